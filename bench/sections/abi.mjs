// 11. Landlock ABIs: what a run costs when the kernel's Landlock is older. Below ABI 6 the program's own seccomp
// filter keeps its signals inside the run, asking the gate about any target but the group's leader; and every run
// has its program filter, whose size grows by those rules. Measured by pinning landlockAbi on this kernel, bare
// (the same program outside the sandbox) in the same run: a run's latency (/bin/true, processes 1), and the time
// per signal 0 to another process of the run and to itself (fixtures/bench/signals.c, processes 4).
import { execFileSync } from 'node:child_process';
import { expect, median, nowMs, round } from '../lib/util.mjs';

function parse(out) {
  const m = /kill_child_us ([\d.]+) tgkill_self_us ([\d.]+)/.exec(out);
  expect(m !== null, `signals printed ${JSON.stringify(out)}`);
  return { child: Number(m[1]), self: Number(m[2]) };
}

export async function abi(ctx) {
  const { engine } = ctx;
  const { detectLandlockAbi } = await import('../../dist/landlock/index.js');
  const kernel = detectLandlockAbi().abi;
  const abis = [...new Set([3, 5, 6, kernel])].filter((a) => a <= kernel).sort((x, y) => x - y);
  const reps = ctx.quick ? 3 : 30;
  const calls = ctx.quick ? 1000 : 10000;
  const rows = [];
  const raw = {};
  const bareSig = [];
  for (let i = 0; i < (ctx.quick ? 2 : 5); i++) bareSig.push(parse(execFileSync(ctx.bin.signals, [String(calls)], { encoding: 'utf8' })));
  for (const a of abis) {
    const lat = [];
    const sig = [];
    let programInstructions = 0;
    for (let i = 0; i < reps + 1; i++) {
      const t0 = nowMs();
      const r = await engine.runExecutable('/bin/true', [], { landlockAbi: a });
      const ms = nowMs() - t0;
      expect(r.status === 'OK' && r.enforced.landlock.abi === a, `/bin/true at ABI ${a}: ${r.status}, ABI ${r.enforced?.landlock.abi}`);
      programInstructions = r.enforced.seccomp.programInstructions;
      if (i > 0) lat.push(ms);
    }
    for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
      const r = await engine.runExecutable(ctx.bin.signals, [String(calls)], { landlockAbi: a, processes: 4 });
      expect(r.status === 'OK', `signals at ABI ${a}: ${r.status} ${r.stderr.toString()}`);
      sig.push(parse(r.stdout.toString()));
    }
    const kill = median(sig.map((s) => s.child));
    const self = median(sig.map((s) => s.self));
    rows.push([String(a), String(programInstructions), median(lat).toFixed(2), kill.toFixed(2), self.toFixed(2)]);
    raw[a] = { trueMs: lat.map((v) => round(v)), signals: sig };
  }
  rows.push(['bare', '', '', median(bareSig.map((s) => s.child)).toFixed(2), median(bareSig.map((s) => s.self)).toFixed(2)]);
  return {
    tables: [{
      title: 'Landlock ABIs: a run and its signals when the ABI is pinned (medians)',
      columns: ['Landlock ABI', 'program filter (instructions)', '/bin/true (ms)', 'kill(child, 0) (µs)', 'tgkill(self, 0) (µs)'],
      rows,
      notes: [`Kernel ABI ${kernel}; lower ones pinned with landlockAbi. /bin/true: ${reps} runs after a warm-up. Signals: `
        + `${calls} calls each, 5 runs with processes 4 (fixtures/bench/signals.c); below ABI 6 kill(child) is a `
        + 'question to the gate (a seccomp user notification), tgkill(self) is allowed by the filter. "bare": the same '
        + 'program outside the sandbox.'],
    }],
    raw,
  };
}
