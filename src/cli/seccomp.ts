/**
 * `simple-cp-sandbox seccomp [--arch A] [--processes N] [--raw]`: the seccomp filter a run installs (run-filter.ts),
 * as an annotated listing or as its raw bytes (struct sock_filter[], as seccomp(2) takes them).
 */
import { HOST_ARCH, type Arch } from '../native/arch.js';
import { CliUsageError } from './errors.js';
import { writeAll } from './io.js';
import type { CommandContext } from './types.js';

export async function run({ values, io }: CommandContext): Promise<number> {
  const arch = (values.arch as Arch | undefined) ?? HOST_ARCH;
  if (arch === null) throw new CliUsageError(`no seccomp filter for this machine's architecture (${process.arch}); give --arch`);
  const processes = (values.processes as number | undefined) ?? 1;
  const { runFilter } = await import('./run-filter.js');
  const filter = runFilter(arch, processes);
  await writeAll(io.stdout, values.raw === true ? filter.bytes : filter.listing);
  return 0;
}
