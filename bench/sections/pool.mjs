// 6. Pool cost: the first run with a new policy (a new config, so a new restricted spawner thread: worker start,
// koffi load, Landlock + seccomp applied) against the next run with the same policy (a warm thread).
import path from 'node:path';
import { expect, median, nowMs, round } from '../lib/util.mjs';

export async function pool(ctx) {
  const { runExecutable } = ctx.engine;
  const n = ctx.quick ? 2 : 8;
  const parent = ctx.scratch('pool');
  const dirs = Array.from({ length: n }, (_, i) => ctx.scratch(path.join('pool', `deny${i}`)));
  const timed = async (config) => {
    const t0 = nowMs();
    const r = await runExecutable('/bin/true', [], { timeout: 2, config });
    expect(r.status === 'OK', `runExecutable /bin/true with ${JSON.stringify(config)}: status ${r.status} ${r.error ?? ''}`);
    return nowMs() - t0;
  };
  const raw = [];
  for (const d of dirs) {
    const config = { readDenyPaths: [d] };
    const cold = await timed(config);
    const warm = await timed(config);
    raw.push({ policy: path.relative(parent, d), coldMs: round(cold), warmMs: round(warm) });
  }
  const cold = median(raw.map((x) => x.coldMs));
  const warm = median(raw.map((x) => x.warmMs));
  return {
    tables: [{
      title: 'Pool cost (ms per runExecutable of /bin/true)',
      columns: ['run', 'median', 'min', 'max'],
      rows: [
        ['first run with a new policy (new spawner thread)', cold.toFixed(2), Math.min(...raw.map((x) => x.coldMs)).toFixed(2), Math.max(...raw.map((x) => x.coldMs)).toFixed(2)],
        ['next run, same policy (warm thread)', warm.toFixed(2), Math.min(...raw.map((x) => x.warmMs)).toFixed(2), Math.max(...raw.map((x) => x.warmMs)).toFixed(2)],
      ],
      notes: [`${n} new policies (config.readDenyPaths naming a fresh directory each); a new policy costs ${(cold - warm).toFixed(1)} ms once (median).`],
    }],
    raw,
  };
}
