// 5. Peak-memory accuracy. mem.c touches N MiB (0: a plain hello world) and prints its own VmHWM. Inside the
// sandbox /proc/self is not readable, so the truth comes from the same program run bare, outside the sandbox (same
// environment), interleaved with the sandboxed runs.
import { expect, median, round, run } from '../lib/util.mjs';

const MiB = 1024 * 1024;
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' }; // the sandbox's default environment
// The gate shell as it waits for its release line (the same ulimits as a default run), reporting its own VmHWM.
const GATE = 'ulimit -t 11 && ulimit -v 2097152 && ulimit -s 1048576 && ulimit -f 524288 && ulimit -n 64; '
  + 'while read -r k v _; do case $k in VmHWM:) echo "hwm_kb=$v";; esac; done < /proc/$$/status';

export async function memory(ctx) {
  const { runExecutable } = ctx.engine;
  const prog = ctx.bin.mem;
  const sizes = [0, 10, 100, 500];
  const reps = ctx.quick ? 1 : 5;
  const raw = [];
  for (let i = 0; i < reps; i++) {
    for (const n of sizes) {
      const bare = await run(prog, [String(n)], { env: ENV });
      const m = /hwm_kb=(-?\d+)/.exec(bare.stdout);
      expect(bare.code === 0 && m && Number(m[1]) > 0, `bare mem.c ${n}: exit ${bare.code ?? bare.signal}, ${bare.stdout.trim()}`);
      const r = await runExecutable(prog, [String(n)], { timeout: 10 });
      expect(r.status === 'OK', `runExecutable mem.c ${n}: status ${r.status}`);
      const inside = /hwm_kb=(-?\d+)/.exec(r.stdout.toString());
      raw.push({ mib: n, truthBytes: Number(m[1]) * 1024, reportedBytes: r.peakMemory, selfInSandbox: inside ? Number(inside[1]) : null });
    }
  }
  const rows = sizes.map((n) => {
    const rs = raw.filter((x) => x.mib === n);
    const truths = rs.map((x) => x.truthBytes / MiB);
    const reps_ = rs.map((x) => x.reportedBytes / MiB);
    const truth = median(truths);
    const rep = median(reps_);
    const range = (v) => `${median(v).toFixed(2)} (${Math.min(...v).toFixed(2)}..${Math.max(...v).toFixed(2)})`;
    return [n === 0 ? 'hello world' : `touch ${n} MiB`, range(truths), range(reps_),
      `${((rep - truth) * 1024).toFixed(0)}`, `${((rep - truth) / truth * 100).toFixed(2)}%`];
  });
  const blind = raw.every((x) => x.selfInSandbox === -1);
  const gateRuns = [];
  for (let i = 0; i < 3; i++) {
    const g = await run('/bin/sh', ['-c', GATE], { env: ENV });
    const m = /hwm_kb=(\d+)/.exec(g.stdout);
    if (g.code === 0 && m) gateRuns.push(Number(m[1]) * 1024);
  }
  const gate = gateRuns.length ? median(gateRuns) : NaN;
  if (gateRuns.length) rows.push(['(the gate: /bin/sh before exec)', (gate / MiB).toFixed(2), '-', '-', '-']);
  // A sandboxed run that reported well above every bare run of its program, at about the gate shell's own peak.
  const caught = raw.filter((x) => {
    const truthMax = Math.max(...raw.filter((y) => y.mib === x.mib).map((y) => y.truthBytes));
    return x.reportedBytes > truthMax + 128 * 1024 && x.reportedBytes >= 0.9 * gate;
  });
  const notes = [];
  if (caught.length) {
    notes.push(`${caught.length} of ${raw.length} sandboxed runs (${[...new Set(caught.map((x) => (x.mib ? `${x.mib} MiB` : 'hello world')))].join(', ')}) `
      + `reported more than every bare run of the same program, at about the gate shell's own peak (${(gate / MiB).toFixed(2)} MiB): `
      + 'such a figure is most likely the gate shell\'s own, sampled before it exec\'d the program.');
  }
  return {
    tables: [{
      title: 'Peak-memory accuracy (MiB; truth = VmHWM of the same program run bare)',
      columns: ['program', 'truth: bare VmHWM (range)', 'runExecutable peakMemory (range)', 'medians: reported - truth (KiB)', 'error'],
      rows,
      notes: [`${reps} runs per size, bare and sandboxed interleaved; medians, with the range over the runs (the bare runs alone vary by about 0.1 MiB: ASLR, page cache).`
        + (blind ? ' Inside the sandbox the program could not read /proc/self/status (as designed), so it did not read its own VmHWM there.' : ''),
      ...notes],
    }],
    raw: { unit: 'bytes', runs: raw, gateShellHwm: gateRuns, runsAtGatePeak: caught.length },
  };
}
