// The least a run in this engine's design must do before its program can start, and nothing of ours: load koffi on
// the main thread (pipes, reaping) and boot one worker thread that loads koffi too (a spawner thread restricts
// itself through it: Landlock, the uid drop, seccomp). No Landlock plan, no gate, no spawn. bench/sections/
// cli.mjs times it beside `node -e 0` and the real CLI, as the floor of the CLI's cold start.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const koffi = createRequire(import.meta.url).resolve('koffi');
const w = new Worker(`require(${JSON.stringify(koffi)}); require('node:worker_threads').parentPort.postMessage(0);`, { eval: true });
await import('koffi');
await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
await w.terminate(); // koffi has loaded in the thread by now: terminating it is safe
