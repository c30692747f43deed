// 10. Interactive problems: round trips between two programs (fixtures/bench/pingpong.c, one line each way,
// flushed) through two sandboxes joined by pipes (engine.runJoined, as judge --interactor runs them) against the
// same two programs joined by bare pipes (child_process.spawn with the pipe fds), interleaved: for 30 round trips
// (a typical interactive test: what the sandbox adds to a test) and for 2000 (round trips per second).
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { pipe } from '../../dist/native/fd.js';
import { expect, median, nowMs, round } from '../lib/util.mjs';

function bare(bin, n) {
  const [aRead, bWrite] = pipe(); // b -> a
  const [bRead, aWrite] = pipe(); // a -> b
  const t0 = nowMs();
  const a = spawn(bin, ['ask', String(n)], { stdio: [aRead, aWrite, 'ignore'] });
  const b = spawn(bin, ['serve', String(n)], { stdio: [bRead, bWrite, 'ignore'] });
  for (const fd of [aRead, bWrite, bRead, aWrite]) closeSync(fd);
  const done = (c) => new Promise((resolve) => c.on('close', (code) => resolve(code)));
  return Promise.all([done(a), done(b)]).then(([ca, cb]) => ({ ms: nowMs() - t0, ok: ca === 0 && cb === 0 }));
}

async function boxed(engine, bin, n) {
  const t0 = nowMs();
  const { results: [a, b] } = await engine.runJoined(
    { file: bin, args: ['ask', String(n)], options: { timeout: 30 } },
    { file: bin, args: ['serve', String(n)], options: { timeout: 30, ignoreSigpipe: true } },
  );
  return { ms: nowMs() - t0, ok: a.status === 'OK' && b.status === 'OK', cpu: a.cpuTime + b.cpuTime };
}

export async function interactive(ctx) {
  const engine = ctx.engine.defaultEngineInstance();
  const bin = ctx.bin.pingpong;
  const reps = ctx.quick ? 3 : 20;
  const rows = [];
  const raw = {};
  for (const n of [30, 2000]) {
    const b = [];
    const s = [];
    for (let i = 0; i < reps + 1; i++) {
      const x = await bare(bin, n);
      const y = await boxed(engine, bin, n);
      expect(x.ok && y.ok, `pingpong ${n}: bare ok ${x.ok}, sandboxed ok ${y.ok}`);
      if (i === 0) continue;
      b.push(x.ms);
      s.push(y.ms);
    }
    const mb = median(b);
    const ms = median(s);
    rows.push([String(n), mb.toFixed(2), ms.toFixed(2), (ms - mb).toFixed(2), `${(ms / mb).toFixed(2)}x`,
      Math.round(n / (mb / 1000)).toString(), Math.round(n / (ms / 1000)).toString()]);
    raw[n] = { bareMs: b.map((v) => round(v)), sandboxMs: s.map((v) => round(v)) };
  }
  return {
    tables: [{
      title: 'Interactive: round trips between two programs, two sandboxes joined by pipes vs bare pipes (ms, medians)',
      columns: ['round trips', 'bare', 'sandboxed', 'added', 'ratio', 'bare rt/s', 'sandboxed rt/s'],
      rows,
      notes: [`${reps} pairs each after one warm-up pair, bare and sandboxed interleaved; each figure is from the start of `
        + 'both programs to the end of both (the sandboxed one includes both sandboxes\' setup). One line each way per '
        + 'round trip, flushed; both programs C (fixtures/bench/pingpong.c).'],
    }],
    raw,
  };
}
