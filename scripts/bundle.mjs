// Part of `npm run build`: bundles what the CLI loads (dist/bundle/), so a cold start reads and links a handful of
// modules instead of about sixty. Each file under dist/ loaded on its own costs a fraction of a millisecond, and the
// source stays split into small modules (one concern each) for the people who read it. The library (dist/index.js)
// is not bundled: its users import the modules, and pay their load once per process.
//
// Two builds:
//  - the CLI's entry (main.js) with code splitting: what a plain run needs is main.js and the engine's chunks;
//    what it only imports lazily (commander's setup, judge, languages, doctor, the compiler) is in chunks of its
//    own, read only when used. One bundle of everything made every run parse all of it (about 35 ms here).
//  - the worker thread's entry (spawner-worker.js) as one file of its own, so a thread's
//    boot reads one module and shares nothing with the main thread's chunks.
//
// The bundle is built from dist/ (tsc's output), so it is the same code the tests import; koffi and commander stay
// external (koffi is a native addon; commander is loaded only when the fast argv scanner declines; bullmq and
// ioredis only by worker and submit).
import { copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);
const out = new URL('bundle/', dist).pathname;
const common = {
  outdir: out, entryNames: '[name]', bundle: true, platform: 'node', format: 'esm', target: 'node20',
  external: ['koffi', 'commander', 'bullmq', 'ioredis'], logLevel: 'warning',
};
rmSync(out, { recursive: true, force: true });
await build({ ...common, entryPoints: [new URL('cli/main.js', dist).pathname], splitting: true, chunkNames: 'chunk-[hash]' });
await build({ ...common, entryPoints: ['engine/spawner-worker.js'].map((p) => new URL(p, dist).pathname) });
// Read next to the module that needs it (engine/policy-cache.ts), which is now the bundle.
copyFileSync(new URL('engine/filter-templates.json', dist), new URL('bundle/filter-templates.json', dist));
