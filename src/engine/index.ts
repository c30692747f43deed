/**
 * The run engine's entry points. runExecutable, startExecutable, shutdown and poolSize use the process's default
 * Engine, created on first use; `new Engine()` makes another (its own threads and caches).
 */
import { Engine } from './engine.js';
import type { SandboxedProcess } from './process.js';
import type { RunOptions, RunResult } from './types.js';
import { DEFAULT_SPARES } from './warm.js';

let defaultEngine: Engine | null = null;

/** The process's default engine (its first threads may have been started by prestart()). */
export function defaultEngineInstance(): Engine {
  defaultEngine ??= new Engine({ spares: DEFAULT_SPARES });
  return defaultEngine;
}

/** Starts `file` in the sandbox with the default engine; see SandboxedProcess. */
export function startExecutable(file: string, args: readonly string[] = [], options?: RunOptions): SandboxedProcess {
  return defaultEngineInstance().start(file, args, options);
}

/** Runs `file` in the sandbox with the default engine and resolves with its RunResult. */
export function runExecutable(file: string, args: readonly string[] = [], options?: RunOptions): Promise<RunResult> {
  return defaultEngineInstance().run(file, args, options);
}

/** Ends the default engine's threads (those prestarted included); the next run starts them again. */
export async function shutdown(): Promise<void> {
  if (defaultEngine) await defaultEngine.shutdown();
  else await DEFAULT_SPARES.stop();
}

/** The default engine's spawner threads alive now (for tests and doctor). */
export function poolSize(): number {
  return defaultEngine?.poolSize() ?? 0;
}

export { Engine, type EngineOptions } from './engine.js';
export { SandboxedProcess, type CommunicateOptions } from './process.js';
export { runJoined, type JoinedResult, type JoinedSide } from './joined.js';
export { prestart } from './warm.js';
export type { Faults } from './protocol.js';
export * from './errors.js';
export type * from './types.js';
export { DEFAULTS, effectiveOptions, type EffectiveOptions } from './options.js';
