// 2. Throughput: a batch of short runs (echo.c with a small input, checked) at concurrency 1, 2 and 4, through
// runExecutable and through a bare child_process.spawn. Each batch is split in two halves run A B B A, so both
// contenders see the same stretch of machine load.
import { INPUT } from './latency.mjs';
import { batch, expect, round, run } from '../lib/util.mjs';

export async function throughput(ctx) {
  const { runExecutable } = ctx.engine;
  const { echo } = ctx.bin;
  const total = ctx.quick ? 100 : 500;
  const half = total / 2;
  const levels = [1, 2, 4];

  const engineRun = async () => {
    const r = await runExecutable(echo, [], { timeout: 5, input: INPUT });
    expect(r.status === 'OK' && r.stdout.toString() === INPUT, `runExecutable echo.c: status ${r.status}, stdout ${JSON.stringify(r.stdout.toString())}`);
  };
  const spawnRun = async () => {
    const r = await run(echo, [], { input: INPUT });
    expect(r.code === 0 && r.stdout === INPUT, `spawn echo.c: exit ${r.code ?? r.signal}`);
  };

  const rows = [];
  const raw = [];
  for (const c of levels) {
    const ms = { engine: 0, spawn: 0 };
    for (const who of ['engine', 'spawn', 'spawn', 'engine']) {
      ms[who] += await batch(half, c, who === 'engine' ? engineRun : spawnRun);
    }
    const rate = (k) => (total * 1000) / ms[k];
    rows.push([String(c), rate('engine').toFixed(0), rate('spawn').toFixed(0), `${(rate('engine') / rate('spawn')).toFixed(2)}`]);
    raw.push({ concurrency: c, runs: total, engineMs: round(ms.engine), spawnMs: round(ms.spawn),
      engineRunsPerSec: round(rate('engine'), 1), spawnRunsPerSec: round(rate('spawn'), 1) });
  }
  return {
    tables: [{
      title: `Throughput (runs per second, ${total} runs of echo.c per cell)`,
      columns: ['concurrency', 'runExecutable', 'bare spawn', 'ours / bare'],
      rows,
      notes: [`Each cell: ${total} runs in two halves of ${half}, run engine, spawn, spawn, engine. ${ctx.cores} cores.`],
    }],
    raw,
  };
}
