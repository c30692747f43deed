// 5. Peak-memory accuracy on every exit path. The truth is the kernel's own figure for the same program run alone:
// fixtures/programs/maxrss.c starts it with vfork from its own small address space and prints the ru_maxrss wait4
// gives it. The sandboxed figure is the one runExecutable reports (the gate's wait4 of the program). touch_then.c
// touches N MiB and then ends as told: exit_group, the raw exit(2) of its last thread, SIGSEGV, or it waits for the
// sandbox's own kill (wall limit); recurse.c recurses to a 64 MiB stack limit (SIGSEGV). Bare and sandboxed runs
// are interleaved.
import { expect, median, run } from '../lib/util.mjs';
import { DEFAULTS } from '../../dist/engine/options.js';

const MiB = 1024 * 1024;
const ENV = { PATH: DEFAULTS.path }; // the sandbox's default environment

/** One row: how the program runs bare (maxrss argv, env) and in the sandbox (argv, options, the verdict expected). */
function cases(bin) {
  const touch = (n, how) => [bin.touch_then, String(n), how];
  const row = (label, args, opts, verdict, truthArgs = args, env = {}) => ({ label, args, opts, verdict, truthArgs, env });
  return [
    row('hello world, exit_group', touch(0, 'exit'), {}, 'OK'),
    row('10 MiB, exit_group', touch(10, 'exit'), {}, 'OK'),
    row('100 MiB, exit_group', touch(100, 'exit'), {}, 'OK'),
    row('500 MiB, exit_group', touch(500, 'exit'), {}, 'OK'),
    row('100 MiB, raw exit(2) of the last thread', touch(100, 'exit2'), {}, 'OK'),
    row('100 MiB, SIGSEGV', touch(100, 'segv'), {}, 'RE'),
    // Bare, the same memory ended by itself: a program that waits forever has no figure of its own to compare with.
    row('100 MiB, killed by the sandbox (wall limit)', touch(100, 'hold'), { timeout: 0.3 }, 'TLE', touch(100, 'exit')),
    row('recursion to a 64 MiB stack limit, SIGSEGV', [bin.recurse], { stack: 64 * MiB }, 'RE', [bin.recurse],
      { STACK_KIB: String(64 * 1024) }),
  ];
}

export async function memory(ctx) {
  const { runExecutable } = ctx.engine;
  const rowsIn = cases(ctx.bin);
  const reps = ctx.quick ? 1 : 8;
  const raw = [];
  for (let i = 0; i < reps; i++) {
    for (const c of rowsIn) {
      const bare = await run(ctx.bin.maxrss, c.truthArgs, { env: { ...ENV, ...c.env } });
      const m = /^maxrss (\d+) status (\d+)$/m.exec(bare.stdout);
      expect(bare.code === 0 && m, `bare ${c.label}: exit ${bare.code ?? bare.signal}, ${bare.stdout.trim()} ${bare.stderr.trim()}`);
      const r = await runExecutable(c.args[0], c.args.slice(1), { timeout: 10, ...c.opts });
      expect(r.status === c.verdict, `runExecutable ${c.label}: status ${r.status} (expected ${c.verdict})`);
      raw.push({ label: c.label, truthBytes: Number(m[1]) * 1024, reportedBytes: r.peakMemory, status: r.status });
    }
  }
  const rows = rowsIn.map((c) => {
    const rs = raw.filter((x) => x.label === c.label);
    const truths = rs.map((x) => x.truthBytes / MiB);
    const reported = rs.map((x) => x.reportedBytes / MiB);
    const truth = median(truths);
    const worst = rs.map((x) => (x.reportedBytes - x.truthBytes) / x.truthBytes * 100)
      .reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    const range = (v) => `${median(v).toFixed(2)} (${Math.min(...v).toFixed(2)}..${Math.max(...v).toFixed(2)})`;
    const verdicts = [...new Set(rs.map((x) => x.status))].join(', ');
    return [c.label, range(truths), range(reported), `${((median(reported) - truth) * 1024).toFixed(0)}`,
      `${worst.toFixed(2)}%`, `${verdicts} (${rs.length} of ${rs.length})`];
  });
  return {
    tables: [{
      title: 'Peak-memory accuracy (MiB; truth = ru_maxrss of the same program run alone, bare)',
      columns: ['program, how it ends', 'truth (range)', 'runExecutable peakMemory (range)', 'medians: reported - truth (KiB)',
        'worst run: error', 'verdict'],
      rows,
      notes: [`${reps} runs per row, bare and sandboxed interleaved; medians, with the range over the runs. "worst run" is the `
        + 'largest error of one sandboxed run against the bare run beside it. The killed row\'s truth is the same program '
        + 'ending by itself (exit_group) after touching the same memory.'],
    }],
    raw: { unit: 'bytes', runs: raw },
  };
}
