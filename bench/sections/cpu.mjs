// 4. CPU-time accuracy and limit kills.
// cpu.c burns a given amount of its own CPU time and prints its CLOCK_PROCESS_CPUTIME_ID at exit: that figure is
// the truth, inside the sandbox (same run as the runner's figure) and bare (outside it, to show the sandbox adds
// no CPU to the program). Then: how far past a CPU limit (cpuTime 0.5, a spinning program) and a wall limit
// (timeout 0.5, a sleeping program) the kill lands.
import { expect, median, round, run } from '../lib/util.mjs';

const parse = (s, key) => {
  const m = new RegExp(`${key}=([\\d.]+)`).exec(s);
  return m ? Number(m[1]) : NaN;
};

export async function cpu(ctx) {
  const { runExecutable } = ctx.engine;
  const prog = ctx.bin.cpu;
  const targets = [0.1, 0.5, 1.0];
  const reps = ctx.quick ? 1 : 3;
  const raw = { accuracy: [], cpuKill: [], wallKill: [] };

  for (let i = 0; i < reps; i++) {
    for (const t of targets) {
      const bare = await run(prog, ['burn', String(t)]);
      expect(bare.code === 0, `bare cpu.c burn ${t}: exit ${bare.code ?? bare.signal}`);
      const r = await runExecutable(prog, ['burn', String(t)], { timeout: 10 });
      expect(r.status === 'OK', `runExecutable cpu.c burn ${t}: status ${r.status}`);
      const out = r.stdout.toString();
      raw.accuracy.push({ target: t, bareSelf: parse(bare.stdout, 'cpu'), bareStart: parse(bare.stdout, 'start'),
        bareWall: round(bare.ms / 1000, 6), sandboxSelf: parse(out, 'cpu'), sandboxStart: parse(out, 'start'),
        reported: r.cpuTime, wallTime: round(r.wallTime, 6) });
    }
  }
  const accRows = targets.map((t) => {
    const rs = raw.accuracy.filter((x) => x.target === t);
    const err = rs.map((x) => (x.reported - x.sandboxSelf) * 1000);
    const worst = err.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    const before = `${(median(rs.map((x) => x.bareStart)) * 1000).toFixed(2)} / ${(median(rs.map((x) => x.sandboxStart)) * 1000).toFixed(2)}`;
    return [t.toFixed(1), median(rs.map((x) => x.bareSelf)).toFixed(4), median(rs.map((x) => x.sandboxSelf)).toFixed(4),
      median(rs.map((x) => x.reported)).toFixed(4), `${median(err).toFixed(2)} (worst ${worst.toFixed(2)})`,
      before, median(rs.map((x) => x.wallTime)).toFixed(3)];
  });

  const killReps = ctx.quick ? 2 : 5;
  for (let i = 0; i < killReps; i++) {
    const c = await runExecutable(prog, ['spin'], { cpuTime: 0.5, timeout: 5 });
    expect(c.status === 'TLE' && c.limit === 'cpu', `cpu.c spin, cpuTime 0.5: status ${c.status}, limit ${c.limit} (expected TLE, cpu)`);
    raw.cpuKill.push({ cpuTime: c.cpuTime, wallTime: round(c.wallTime, 6), signal: c.signal });
    const w = await runExecutable(prog, ['sleep'], { timeout: 0.5 });
    expect(w.status === 'TLE' && w.limit === 'wall', `cpu.c sleep, timeout 0.5: status ${w.status}, limit ${w.limit} (expected TLE, wall)`);
    raw.wallKill.push({ cpuTime: w.cpuTime, wallTime: round(w.wallTime, 6), signal: w.signal });
  }
  const over = (xs, f) => {
    const v = xs.map(f);
    return `${median(v).toFixed(1)} (max ${Math.max(...v).toFixed(1)})`;
  };
  const killRows = [
    ['CPU limit: cpuTime 0.5, spinning', over(raw.cpuKill, (x) => (x.cpuTime - 0.5) * 1000),
      over(raw.cpuKill, (x) => (x.wallTime - 0.5) * 1000), raw.cpuKill[0]?.signal ?? '-'],
    ['wall limit: timeout 0.5, sleeping', '-', over(raw.wallKill, (x) => (x.wallTime - 0.5) * 1000), raw.wallKill[0]?.signal ?? '-'],
  ];

  return {
    tables: [
      {
        title: 'CPU-time accuracy (seconds; truth = the program\'s own CLOCK_PROCESS_CPUTIME_ID at exit)',
        columns: ['burn target', 'truth bare', 'truth in sandbox', 'runExecutable cpuTime', 'cpuTime - truth in sandbox (ms)', 'CPU before main(), bare / sandboxed (ms)', 'wallTime'],
        rows: accRows,
        notes: [`${reps} runs per target, bare and sandboxed interleaved; medians. The program burns until its own clock reaches the target, so both truths sit on the target. `
          + '"CPU before main()": the process\'s clock when main() starts. It counts everything the same process did before: the dynamic loader, and before exec '
          + 'the forked child\'s setup (bare: libuv in a fork of Node) or the gate\'s child (sandboxed: its process limit, process group, release message and own-/proc Landlock layer, then exec). '
          + 'It is part of every reported cpuTime and of the CPU limit.'],
      },
      {
        title: 'Limit kills: how far past the limit the kill lands (ms past 0.5 s; median and max)',
        columns: ['case', 'cpuTime past limit', 'wallTime past limit', 'signal'],
        rows: killRows,
        notes: [`${killReps} runs each; every one must end TLE with the matching limit. The CPU case has timeout 5, so only the CPU limit can fire; `
          + 'its wall time runs past the CPU time when other work leaves the program less than a whole core.'],
      },
    ],
    raw,
  };
}
