// Where a CLI cold start goes, measured inside one fresh process: what the bin does (start the first spawner thread,
// import dist/bundle/main.js, hand it the thread, main(argv), shutdown()), with a performance.now() mark (ms since
// the process started) after each step. Prints the marks as one JSON line on stderr; the caller adds the total it
// saw from outside.
import { Worker } from 'node:worker_threads';

const boot = performance.now();
const early = new Worker(new URL('../../dist/bundle/spawner-worker.js', import.meta.url));
early.unref();
const { adoptSpawnerThread, main, shutdown } = await import('../../dist/bundle/main.js');
adoptSpawnerThread(early);
const imported = performance.now();
const code = await main(process.argv.slice(2));
const ran = performance.now();
await shutdown();
const shut = performance.now();
process.stderr.write(`${JSON.stringify({ boot, imported, ran, shut, code })}\n`);
process.exitCode = code;
