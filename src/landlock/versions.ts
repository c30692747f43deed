/**
 * The Landlock ABI versions this code knows and accepts, with nothing else: options and the CLI validate
 * landlockAbi with these without loading the rest of src/landlock (whose errors load the FFI).
 */

/** ABI versions this code knows. A kernel reporting a higher one is used as the newest known. */
export type KnownAbi = 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** ABI versions this code accepts: 3 is the first that can deny truncate(2) / O_TRUNC of a readable file. */
export type SupportedAbi = 3 | 4 | 5 | 6 | 7;
export const MIN_SUPPORTED_ABI: SupportedAbi = 3;
export const NEWEST_KNOWN_ABI: KnownAbi = 7;

/** Whether `v` is an ABI version this code can be pinned to (3..7). */
export function isSupportedAbi(v: unknown): v is SupportedAbi {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_SUPPORTED_ABI && v <= NEWEST_KNOWN_ABI;
}
