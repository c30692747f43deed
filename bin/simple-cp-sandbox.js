#!/usr/bin/env node
// Thin on purpose: parsing, running and every message live in src/cli/main.ts, here as its bundle (dist/bundle/main.js,
// scripts/bundle.mjs). This file only turns main()'s answer into the process's exit code, after the library's threads
// are shut down and output is flushed (no process.exit, which could cut a pending write).
//
// Cold start: a run's first spawner thread takes longer to boot than anything else, so unless the first word asks
// for a command that runs nothing, the thread is started here, before the CLI's own code is loaded, and handed to
// the engine (engine/warm.ts: an unrestricted thread waiting for its policy; ended at shutdown if no run takes it).
import { Worker } from 'node:worker_threads';

const argv = process.argv.slice(2);
const runsNothing = argv.length === 0 || ['-h', '--help', '-V', '--version', 'doctor', 'seccomp', 'languages'].includes(argv[0]);
const early = runsNothing ? null : new Worker(new URL('../dist/bundle/spawner-worker.js', import.meta.url));
early?.unref();
// Until the engine takes it: a thread that fails to boot is only not used (the engine then starts another and
// reports that one's failure), never an unhandled 'error' that would crash the CLI.
const unused = () => undefined;
early?.on('error', unused);
const { adoptSpawnerThread, main, oneLine, shutdown } = await import('../dist/bundle/main.js');
if (early) {
  adoptSpawnerThread(early);
  early.off('error', unused);
}

let code;
try {
  code = await main(argv);
} catch (e) {
  // main() reports every expected failure itself; this is a bug, still worded as one line with exit 125.
  process.stderr.write(`simple-cp-sandbox: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
  code = 125;
}
try {
  await shutdown();
} catch (e) {
  process.stderr.write(`simple-cp-sandbox: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
}
process.exitCode = code;
