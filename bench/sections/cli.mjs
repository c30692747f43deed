// 3. CLI cold start: `simple-cp-sandbox --timeout 2 /bin/true` (the bin, through its shebang) against `node -e 0`,
// interleaved, many times. A third contender runs the bin's steps inside one process with a clock mark after each
// (bench/lib/cold-probe.mjs), to say where the time goes.
import { fileURLToPath } from 'node:url';
import { expect, median, rotate, round, run, summary } from '../lib/util.mjs';

const BIN = fileURLToPath(new URL('../../bin/simple-cp-sandbox.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../lib/cold-probe.mjs', import.meta.url));

export async function cli(ctx) {
  const reps = ctx.quick ? 4 : 20;
  const node = process.execPath;
  const contenders = [
    { name: 'node -e 0', cmd: node, args: ['-e', '0'] },
    { name: 'simple-cp-sandbox --timeout 2 /bin/true', cmd: BIN, args: ['--timeout', '2', '/bin/true'] },
    { name: 'cold-probe (same steps, marked)', cmd: node, args: [PROBE, '--timeout', '2', '/bin/true'], probe: true },
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
  return {
    tables: [{
      title: 'CLI cold start (ms, wall time of the whole process)',
      columns: ['command', 'median', 'p95', 'vs node -e 0'],
      rows,
      notes: [
        `${reps} repetitions each, interleaved (order rotated each repetition, one uncounted warm-up pass). Target: at most 1.5x node -e 0. Measured: ${ratio.toFixed(2)}x.`,
        `Where the CLI's time goes (cold-probe medians, ms): node start ${split.nodeBoot.toFixed(1)}, import dist/cli/main.js ${split.importCli.toFixed(1)}, `
          + `main() incl. the first run (spawner + exit-watcher threads start) ${split.mainRun.toFixed(1)}, shutdown() ${split.shutdown.toFixed(1)}, process exit ${split.exit.toFixed(1)}.`,
      ],
    }],
    summary: { ratio: round(ratio), split: Object.fromEntries(Object.entries(split).map(([k, v]) => [k, round(v, 2)])) },
    raw: { reps, unit: 'ms', times: Object.fromEntries([...times].map(([k, v]) => [k, v.map((x) => round(x))])), probeMarks: marks },
  };
}
