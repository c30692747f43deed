/** Messages between the runner's main thread and a spawner thread (structured-cloned), and the engine's faults. */
import type { AbiProbeResult, LandlockPlan } from '../landlock/index.js';
import type { SetupStep } from './errors.js';
import type { FilterTemplate } from './filter-patch.js';

/**
 * Fault injection, to prove each setup step fails closed (test/engine/failclosed.test.ts): given to an Engine of a
 * test's own (`new Engine({ faults })`), read at every run, so a test may change it between runs. Every fault can
 * only make a run FAIL, never weaken one: the Engine refuses a landlockProbe answer that the ABI check would accept.
 */
export interface Faults {
  /** Pretend the kernel answered the Landlock ABI probe with this (an error, or an ABI below the supported ones). */
  landlockProbe?: AbiProbeResult;
  /** Install an invalid filter (one instruction, no return) instead of the compiled one: seccomp(2) says EINVAL. */
  invalidSeccompFilter?: boolean;
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
  | { type: 'ready'; tid: number; filterInstructions: number;
      landlock: { abi: number; kernelAbi: number; pinned: number | null; fsRights: string[]; netRights: string[];
        scopes: string[]; rules: number } }
  | { type: 'setup-error'; step: SetupStep; call: string | undefined; errno: number | undefined; message: string }
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'spawn-error'; id: number; call: string; errno: number; step: 'spawn' };
