// 3. CLI cold start: `simple-cp-sandbox --timeout 2 /bin/true` (the bin, through its shebang) against `node -e 0`,
// interleaved, many times. A third contender runs the bin's steps inside one process with a clock mark after each
// (bench/lib/cold-probe.mjs), to say where the time goes. Two more measure the floor of this design, what any run
// pays before its program starts: node + koffi, and node + koffi + one worker thread that loads koffi
// (bench/lib/floor.mjs).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, median, rotate, round, run, summary } from '../lib/util.mjs';

const BIN = fileURLToPath(new URL('../../bin/simple-cp-sandbox.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../lib/cold-probe.mjs', import.meta.url));
const FLOOR = fileURLToPath(new URL('../lib/floor.mjs', import.meta.url));
const KOFFI = createRequire(import.meta.url).resolve('koffi');
const FLOOR_KOFFI = 'floor: node + koffi';
const FLOOR_THREAD = 'floor: node + koffi + a worker thread loading koffi';

export async function cli(ctx) {
  const reps = ctx.quick ? 4 : 20;
  const node = process.execPath;
  const contenders = [
    { name: 'node -e 0', cmd: node, args: ['-e', '0'] },
    { name: 'simple-cp-sandbox --timeout 2 /bin/true', cmd: BIN, args: ['--timeout', '2', '/bin/true'] },
    { name: 'cold-probe (same steps, marked)', cmd: node, args: [PROBE, '--timeout', '2', '/bin/true'], probe: true },
    { name: FLOOR_KOFFI, cmd: node, args: ['-e', `require(${JSON.stringify(KOFFI)})`] },
    { name: FLOOR_THREAD, cmd: node, args: [FLOOR] },
  ];
  const times = new Map(contenders.map((c) => [c.name, []]));
  const marks = [];
  for (let i = -1; i < reps; i++) { // i = -1: one warm-up pass (page cache), not counted
    for (const c of rotate(contenders, i + 1)) {
      const r = await run(c.cmd, c.args);
      expect(r.code === 0, `${c.name}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
      if (i < 0) continue;
      times.get(c.name).push(r.ms);
      if (c.probe) marks.push({ ...JSON.parse(r.stderr.trim().split('\n').pop()), total: r.ms });
    }
  }
  const stats = Object.fromEntries([...times].map(([k, v]) => [k, summary(v)]));
  const base = stats['node -e 0'].median;
  const rows = contenders.map((c) => [`\`${c.name}\``, stats[c.name].median.toFixed(1), stats[c.name].p95.toFixed(1),
    `${(stats[c.name].median / base).toFixed(2)}x`]);
  const phase = (f) => median(marks.map(f));
  const split = {
    nodeBoot: phase((m) => m.boot),
    importCli: phase((m) => m.imported - m.boot),
    mainRun: phase((m) => m.ran - m.imported),
    shutdown: phase((m) => m.shut - m.ran),
    exit: phase((m) => m.total - m.shut),
  };
  const ratio = stats['simple-cp-sandbox --timeout 2 /bin/true'].median / base;
  const floor = stats[FLOOR_THREAD].median / base;
  return {
    tables: [{
      title: 'CLI cold start (ms, wall time of the whole process)',
      columns: ['command', 'median', 'p95', 'vs node -e 0'],
      rows,
      notes: [
        `${reps} repetitions each, interleaved (order rotated each repetition, one uncounted warm-up pass). Target: at most 2.0x node -e 0 (the design's floor, node + koffi + one thread, is about 1.4x). Measured: ${ratio.toFixed(2)}x.`,
        `Where the CLI's time goes (cold-probe medians, ms): node start ${split.nodeBoot.toFixed(1)}, import dist/bundle/main.js ${split.importCli.toFixed(1)}, `
          + `main() incl. the first run (the spawner thread starts) ${split.mainRun.toFixed(1)}, shutdown() ${split.shutdown.toFixed(1)}, process exit ${split.exit.toFixed(1)}.`,
        `Floor of this design (nothing of ours loaded, no run): node + koffi ${(stats[FLOOR_KOFFI].median / base).toFixed(2)}x, `
          + `node + koffi + one worker thread loading koffi ${floor.toFixed(2)}x node -e 0. The target allows ${base.toFixed(1)} ms over node -e 0; `
          + `koffi and one thread alone take ${(stats[FLOOR_THREAD].median - base).toFixed(1)} ms, before the Landlock plan, the gate and the run.`,
      ],
    }],
    summary: { ratio: round(ratio), floor: round(floor), split: Object.fromEntries(Object.entries(split).map(([k, v]) => [k, round(v, 2)])) },
    raw: { reps, unit: 'ms', times: Object.fromEntries([...times].map(([k, v]) => [k, v.map((x) => round(x))])), probeMarks: marks },
  };
}
