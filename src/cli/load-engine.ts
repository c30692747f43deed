/**
 * The library's run engine, loaded on first use: --help, --version and `seccomp` never start koffi or a spawner
 * thread. shutdownEngine() ends the spawner threads only if something loaded the engine.
 */
import { stopSpares } from '../engine/warm.js';

type Engine = typeof import('../engine/index.js');

let loaded: Promise<Engine> | null = null;

export function loadEngine(): Promise<Engine> {
  loaded ??= import('../engine/index.js');
  return loaded;
}

export async function shutdownEngine(): Promise<void> {
  if (loaded === null) {
    await stopSpares(); // threads prestarted for a run that failed before it loaded the engine
    return;
  }
  const engine = await loaded;
  await engine.shutdown();
}
