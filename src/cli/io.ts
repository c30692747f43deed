/** Writing to the CLI's streams. */
import type { CliIo } from './types.js';

/** Writes and waits until the stream has taken the bytes (so nothing is lost when the CLI returns). */
export function writeAll(stream: CliIo['stdout'], data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(data, () => resolve()); // an error (e.g. EPIPE: the reader went away) is not the run's outcome
  });
}
