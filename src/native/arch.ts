/**
 * The architectures this project supports, named as the kernel names them (uname -m), and the host's. The one
 * place that maps Node's process.arch: the syscall tables, the seccomp compiler, the engine and the CLI all ask here.
 */
export type Arch = 'x86_64' | 'aarch64';
export const ARCHES: readonly Arch[] = Object.freeze(['x86_64', 'aarch64'] as const);

/** Node's name of an architecture (process.arch) in the kernel's words, or null when this project has no tables for it. */
export function archOf(nodeArch: string): Arch | null {
  return nodeArch === 'x64' ? 'x86_64' : nodeArch === 'arm64' ? 'aarch64' : null;
}

/** This machine's architecture, or null when the project does not support it. */
export const HOST_ARCH: Arch | null = archOf(process.arch);

/** This machine's architecture; throws on one the project does not support (callers that cannot go on without it). */
export function hostArch(): Arch {
  if (HOST_ARCH === null) {
    throw new RangeError(`unsupported architecture: process.arch ${JSON.stringify(process.arch)} (supported: x64, arm64)`);
  }
  return HOST_ARCH;
}
