/**
 * The library's run engine, loaded on first use: --help, --version and `seccomp` never start koffi or a spawner
 * thread. shutdownEngine() ends the spawner threads only if something loaded the engine.
 */
type Engine = typeof import('../engine/index.js');

let loaded: Promise<Engine> | null = null;

export function loadEngine(): Promise<Engine> {
  loaded ??= import('../engine/index.js');
  return loaded;
}

export async function shutdownEngine(): Promise<void> {
  if (loaded === null) return;
  const engine = await loaded;
  await engine.shutdown();
}
