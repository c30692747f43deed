// 6. Language runtimes: a + b in Java, Go, Node, Python and PyPy (fixtures/runtimes/runtimes.mjs, the programs the
// runtime tests run), under the sandbox with --memory 256 and the processes each needs, against the same command
// bare (child_process.spawn, the sandbox's environment), interleaved. A runtime that is not installed is a row that
// says so. What the sandbox adds should be small beside the runtime's own start-up.
import { existsSync } from 'node:fs';
import { AB_INPUT, AB_OUTPUT, RUNTIMES } from '../../fixtures/runtimes/runtimes.mjs';
import { expect, median, round, run } from '../lib/util.mjs';
import { DEFAULTS } from '../../dist/engine/options.js';

const MiB = 1024 * 1024;
const ENV = { PATH: DEFAULTS.path }; // the sandbox's default environment

export async function runtimes(ctx) {
  const { runExecutable } = ctx.engine;
  const reps = ctx.quick ? 2 : 15;
  const rows = [];
  const raw = {};
  for (const rt of RUNTIMES) {
    if (!rt.tools.every((t) => existsSync(t))) {
      rows.push([rt.name, '-', '-', '-', '-', '-', `not installed (${rt.tools.join(', ')})`]);
      continue;
    }
    const [cmd, ...args] = rt.build(ctx.scratch(`runtimes-${rt.name.toLowerCase()}`)).ab;
    const opts = { memory: 256 * MiB, processes: rt.processes, timeout: 10, input: AB_INPUT };
    const bare = [];
    const boxed = [];
    const peaks = [];
    for (let i = 0; i < reps + 1; i++) {
      const b = await run(cmd, args, { input: AB_INPUT, env: ENV });
      expect(b.code === 0 && b.stdout === AB_OUTPUT, `bare ${rt.name} a+b: exit ${b.code ?? b.signal}, ${b.stdout.trim()} ${b.stderr.trim()}`);
      const t0 = process.hrtime.bigint();
      const r = await runExecutable(cmd, args, opts);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      expect(r.status === 'OK' && r.stdout.toString() === AB_OUTPUT,
        `runExecutable ${rt.name} a+b: status ${r.status}, ${r.stdout.toString().trim()} ${r.stderr.toString().trim()}`);
      if (i === 0) continue; // the first pair warms the page cache for both
      bare.push(b.ms);
      boxed.push(ms);
      peaks.push(r.peakMemory);
    }
    const mb = median(bare);
    const ms = median(boxed);
    rows.push([rt.name, String(rt.processes), mb.toFixed(1), ms.toFixed(1), (ms - mb).toFixed(1), `${(ms / mb).toFixed(2)}x`,
      `peak ${(median(peaks) / MiB).toFixed(1)} MiB`]);
    raw[rt.name] = { command: [cmd, ...args], processes: rt.processes, bareMs: bare.map((x) => round(x)),
      sandboxMs: boxed.map((x) => round(x)), peakBytes: peaks };
  }
  return {
    tables: [{
      title: 'Language runtimes: a + b, sandboxed (--memory 256) vs the same command bare (ms, medians)',
      columns: ['runtime', '--processes', 'bare', 'runExecutable', 'added', 'ratio', 'note'],
      rows,
      notes: [`${reps} pairs per runtime after one warm-up pair, bare and sandboxed interleaved; each figure is the whole `
        + 'awaited call (spawn to exit with output collected). Java runs `java -Xmx256m -Xss64m -cp DIR Main`, Go a '
        + 'binary built by `go build`, Node, Python and PyPy a script.'],
    }],
    raw,
  };
}
