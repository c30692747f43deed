// Part of `npm run build`: bundles what the CLI loads into one file per thread (dist/bundle/main.js and the two worker
// entry points beside it, with filter-templates.json), so a cold start reads and links three modules instead of
// about sixty. Each file under dist/ loaded on its own costs a fraction of a millisecond, and the source stays split
// into small modules (one concern each) for the people who read it. The library (dist/index.js) is not bundled:
// its users import the modules, and pay their load once per process.
//
// The bundle is built from dist/ (tsc's output), so it is the same code the tests import; koffi and commander stay
// external (koffi is a native addon; commander is loaded only when the fast argv scanner declines).
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);
await build({
  entryPoints: ['cli/main.js', 'engine/spawner-worker.js', 'engine/supervisor-worker.js'].map((p) => new URL(p, dist).pathname),
  outdir: new URL('bundle/', dist).pathname,
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'commander'],
  logLevel: 'warning',
});
// Read next to the module that needs it (engine/policy-cache.ts), which is now the bundle.
copyFileSync(new URL('engine/filter-templates.json', dist), new URL('bundle/filter-templates.json', dist));
