#!/usr/bin/env node
// `node bench/compare.mjs OTHER_TREE [--quick]`: this tree's engine and CLI against another built checkout's (e.g.
// the commit before a refactoring), interleaved in one run so that the machine's load weighs on both alike:
//   - CLI cold start: `simple-cp-sandbox --timeout 2 /bin/true` of each tree, and `node -e 0`;
//   - per-run latency of runExecutable (/bin/true, and /bin/cat with 56 bytes of input), in a fresh process per
//     round and tree, first runs not counted;
//   - throughput: 200 runs of /bin/true, 4 at a time.
// Prints medians, p95 and the ratio this / other. Asserts nothing; it fails only when a run does not end as expected.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, rotate, run, summary } from './lib/util.mjs';

const THIS = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const other = args.find((a) => !a.startsWith('--'));
const quick = args.includes('--quick');
if (!other || !existsSync(path.join(other, 'dist/engine/index.js'))) {
  process.stderr.write('usage: node bench/compare.mjs OTHER_TREE [--quick]   (OTHER_TREE built: npm install there first)\n');
  process.exit(2);
}
const trees = [['this', THIS], ['other', path.resolve(other)]];

// The child: N runs of each kind through the tree's engine, times in ms on stdout as JSON.
const CHILD = `
const [engineUrl, n] = [process.argv[2], Number(process.argv[3])];
const { runExecutable, shutdown } = await import(engineUrl);
const input = 'x'.repeat(55) + '\\n';
const time = async (f) => { const t = process.hrtime.bigint(); await f(); return Number(process.hrtime.bigint() - t) / 1e6; };
const check = (r, out) => { if (r.status !== 'OK' || r.stdout.toString() !== out) throw new Error('unexpected run: ' + JSON.stringify(r)); };
for (let i = 0; i < 20; i++) check(await runExecutable('/bin/true'), '');
const out = { trueMs: [], catMs: [], throughput: 0 };
for (let i = 0; i < n; i++) {
  out.trueMs.push(await time(async () => check(await runExecutable('/bin/true'), '')));
  out.catMs.push(await time(async () => check(await runExecutable('/bin/cat', [], { input }), input)));
}
let left = 200;
const t0 = process.hrtime.bigint();
await Promise.all([1, 2, 3, 4].map(async () => { while (left-- > 0) check(await runExecutable('/bin/true'), ''); }));
out.throughput = 200 / (Number(process.hrtime.bigint() - t0) / 1e9);
await shutdown();
process.stdout.write(JSON.stringify(out));
`;

// A file, not `node -e`: worker threads inherit the parent's execArgv, and `--input-type` would break them.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'scs-compare-'));
const CHILD_FILE = path.join(scratch, 'child.mjs');
writeFileSync(CHILD_FILE, CHILD);
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function child(tree) {
  return new Promise((resolve, reject) => {
    const url = new URL(`file://${path.join(tree, 'dist/engine/index.js')}`).href;
    const p = spawn(process.execPath, [CHILD_FILE, url, String(quick ? 20 : 100)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`${tree}: the child exited ${code}`))));
  });
}

const rounds = quick ? 2 : 6;
const lat = Object.fromEntries(trees.map(([k]) => [k, { trueMs: [], catMs: [], throughput: [] }]));
for (let i = 0; i < rounds; i++) {
  for (const [k, tree] of rotate(trees, i)) {
    const r = await child(tree);
    lat[k].trueMs.push(...r.trueMs);
    lat[k].catMs.push(...r.catMs);
    lat[k].throughput.push(r.throughput);
  }
}

const cold = [['node -e 0', process.execPath, ['-e', '0']],
  ...trees.map(([k, tree]) => [`${k}: simple-cp-sandbox --timeout 2 /bin/true`, path.join(tree, 'bin/simple-cp-sandbox.js'), ['--timeout', '2', '/bin/true']])];
const coldMs = new Map(cold.map(([name]) => [name, []]));
for (let i = -1; i < (quick ? 4 : 20); i++) {
  for (const [name, cmd, a] of rotate(cold, i + 1)) {
    const r = await run(cmd, a);
    if (r.code !== 0) throw new Error(`${name}: exit ${r.code ?? r.signal}: ${r.stderr}`);
    if (i >= 0) coldMs.get(name).push(r.ms);
  }
}

const fmt = (x) => x.toFixed(2);
const line = (name, a, b) => `${name.padEnd(52)} ${fmt(a).padStart(8)} ${fmt(b).padStart(8)} ${(a / b).toFixed(2).padStart(7)}x`;
process.stdout.write(`this tree: ${THIS}\nother tree: ${path.resolve(other)}\n\n${'median (ms; runs/s)'.padEnd(52)} ${'this'.padStart(8)} ${'other'.padStart(8)} ${'ratio'.padStart(8)}\n`);
for (const [what, key] of [['runExecutable /bin/true', 'trueMs'], ['runExecutable /bin/cat (56 bytes in)', 'catMs']]) {
  const a = summary(lat.this[key]);
  const b = summary(lat.other[key]);
  process.stdout.write(`${line(what, a.median, b.median)}\n${line(`  p95`, a.p95, b.p95)}\n`);
}
process.stdout.write(`${line('throughput, /bin/true 4 at a time (runs/s)', median(lat.this.throughput), median(lat.other.throughput))}\n`);
const node0 = summary(coldMs.get('node -e 0')).median;
const c = (k) => summary(coldMs.get(`${k}: simple-cp-sandbox --timeout 2 /bin/true`)).median;
process.stdout.write(`${line('cold start, simple-cp-sandbox --timeout 2 /bin/true', c('this'), c('other'))}\n`);
process.stdout.write(`  node -e 0: ${fmt(node0)} ms; this ${(c('this') / node0).toFixed(2)}x, other ${(c('other') / node0).toFixed(2)}x of it\n`);
