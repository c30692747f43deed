/**
 * The library's run engine, loaded on first use: --help, --version and `seccomp` never start koffi or a spawner
 * thread. shutdownEngine() ends the engine's threads, those prestarted for a run that failed before it loaded the
 * engine included.
 */
import { DEFAULT_SPARES } from '../engine/warm.js';

export type EngineModule = typeof import('../engine/index.js');

let loaded: Promise<EngineModule> | null = null;

export function loadEngine(): Promise<EngineModule> {
  loaded ??= import('../engine/index.js');
  return loaded;
}

export async function shutdownEngine(): Promise<void> {
  if (loaded === null) {
    await DEFAULT_SPARES.stop();
    return;
  }
  const engine = await loaded;
  await engine.shutdown();
}
