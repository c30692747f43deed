/** Messages between the runner's main thread and a spawner thread (structured-cloned). */
import type { AbiProbeResult, LandlockPlan } from '../landlock/index.js';
import type { FilterTemplate } from './filter-patch.js';

/** Test-only fault injection, to prove each setup step fails closed. Never set by the public API. */
export interface Faults {
  /** Pretend the kernel answered the Landlock ABI probe with this. */
  landlockProbe?: AbiProbeResult;
  /** Install this (invalid) filter instead of the compiled one. */
  seccompFilter?: Uint8Array;
  /** Ask the gate for a limit it cannot set (an RLIMIT_NOFILE above its hard limit), so its `ulimit` fails. */
  rlimitFails?: boolean;
  /** Pretend /proc/PID/limits of the gate showed other limits than asked for. */
  rlimitMismatch?: boolean;
  /** End the spawner thread during its setup, or when asked to spawn. */
  dieDuringSetup?: boolean;
  dieOnSpawn?: boolean;
}

/**
 * Sent to a new spawner thread as its first message (the thread starts loading its modules meanwhile, while the
 * runner computes this).
 */
export interface SpawnerInit {
  landlockPlan: LandlockPlan;
  /** The filter compiled with a placeholder for the thread's tid (filter-patch.ts). */
  filter: FilterTemplate;
  /** Root runners: the credentials the thread drops to before restricting itself. */
  dropTo: { uid: number; gid: number } | null;
  faults?: Faults;
}

export interface SpawnRequest {
  id: number;
  path: string;
  argv: string[];
  envp: string[];
  cwd: string;
  /** Runner-side fds that become the child's 0, 1, 2 and 3 (the gate). */
  fds: [number, number, number, number];
}

export type WorkerMessage =
  | { type: 'ready'; tid: number; listenerFd: number | null; filterInstructions: number;
      landlock: { abi: number; fsRights: string[]; netRights: string[]; scopes: string[]; rules: number } }
  | { type: 'setup-error'; step: string; call: string | undefined; errno: number | undefined; message: string }
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'spawn-error'; id: number; call: string; errno: number; step: string };
