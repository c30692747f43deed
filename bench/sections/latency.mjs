// 1 + 8. Per-run latency: runExecutable against a bare child_process.spawn and spawnSync of the same program, and
// the peers found on PATH, for /bin/true and for a C program that copies stdin to stdout. tinybench measures;
// the contenders are interleaved: every round runs each of them for a block of iterations, and each round starts
// with a different one, so a burst of load from other work on the machine falls on all of them alike.
import { spawnSync } from 'node:child_process';
import { Bench } from 'tinybench';
import { commandLine } from '../lib/peers.mjs';
import { expect, rotate, round, run, summary } from '../lib/util.mjs';

export const INPUT = '5\n3 1 4 1 5\nthe quick brown fox jumps over the lazy dog\n';

export async function latency(ctx) {
  const { runExecutable } = ctx.engine;
  const { echo } = ctx.bin;
  const rounds = ctx.quick ? 2 : 10;
  const iterations = ctx.quick ? 10 : 40;

  const okRun = async (prog, input) => {
    const r = await runExecutable(prog, [], { timeout: 2, ...(input === undefined ? {} : { input }) });
    expect(r.status === 'OK', `runExecutable ${prog}: status ${r.status} (${r.error ?? r.stderr.toString().trim()})`);
    if (input !== undefined) expect(r.stdout.toString() === input, `runExecutable ${prog}: stdout differs from its input`);
  };
  const okSpawn = async (cmd, args, input) => {
    const r = await run(cmd, args, input === undefined ? {} : { input });
    expect(r.code === 0, `spawn ${cmd}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    if (input !== undefined) expect(r.stdout === input, `spawn ${cmd}: stdout differs from its input`);
  };
  const okSync = (cmd, input) => {
    const r = spawnSync(cmd, [], input === undefined ? {} : { input });
    expect(r.status === 0, `spawnSync ${cmd}: exit ${r.status ?? r.signal}`);
    if (input !== undefined) expect(r.stdout.toString() === input, `spawnSync ${cmd}: stdout differs from its input`);
  };

  const tasks = [
    { name: 'runExecutable /bin/true', fn: () => okRun('/bin/true') },
    { name: 'spawn /bin/true', fn: () => okSpawn('/bin/true', []) },
    { name: 'spawnSync /bin/true', fn: () => okSync('/bin/true'), sync: true },
    { name: 'runExecutable echo.c', fn: () => okRun(echo, INPUT) },
    { name: 'spawn echo.c', fn: () => okSpawn(echo, [], INPUT) },
    { name: 'spawnSync echo.c', fn: () => okSync(echo, INPUT), sync: true },
  ];
  const usable = ctx.peers.filter((p) => p.state === 'ok');
  for (const { peer } of usable) {
    const [cmd, args] = peer.argv('/bin/true');
    tasks.push({ name: `${peer.name} /bin/true`, fn: () => okSpawn(cmd, args), peer: peer.name });
  }

  const samples = new Map(tasks.map((t) => [t.name, []]));
  try {
    // Round 0 is a warm-up (spawner thread started, code paths hot) and is not recorded.
    for (let r = 0; r <= rounds; r++) {
      const bench = new Bench({ iterations: r === 0 ? 5 : iterations, time: 0, warmup: false, retainSamples: true, throws: true });
      for (const t of rotate(tasks, r)) bench.add(t.name, t.fn, { async: !t.sync });
      await bench.run();
      if (r === 0) continue;
      for (const task of bench.tasks) {
        const res = task.result;
        if (res.state !== 'completed') throw res.error ?? new Error(`${task.name}: ${res.state}`);
        samples.get(task.name).push(...res.latency.samples);
      }
    }
  } finally {
    for (const { peer } of usable) await peer.teardown?.().catch(() => undefined);
  }

  const stats = Object.fromEntries([...samples].map(([k, v]) => [k, summary(v)]));
  const ratio = (a, b) => stats[a].median / stats[b].median;
  const rows = tasks.filter((t) => !t.peer).map((t) => {
    const s = stats[t.name];
    const prog = t.name.split(' ')[1];
    const vs = t.name.startsWith('runExecutable')
      ? `${ratio(t.name, `spawn ${prog}`).toFixed(2)}x spawn, ${ratio(t.name, `spawnSync ${prog}`).toFixed(2)}x spawnSync`
      : '';
    return [t.name, s.median.toFixed(2), s.p95.toFixed(2), vs, String(s.n)];
  });
  const ours = stats['runExecutable /bin/true'];
  const peerRows = [
    ['runExecutable (ours)', 'ok', ours.median.toFixed(2), ours.p95.toFixed(2), '1.00x'],
    ['bare child_process.spawn', 'ok', stats['spawn /bin/true'].median.toFixed(2), stats['spawn /bin/true'].p95.toFixed(2),
      `${ratio('spawn /bin/true', 'runExecutable /bin/true').toFixed(2)}x`],
  ];
  for (const { peer, state } of ctx.peers) {
    const s = stats[`${peer.name} /bin/true`];
    peerRows.push(s
      ? [peer.name, state, s.median.toFixed(2), s.p95.toFixed(2), `${(s.median / ours.median).toFixed(2)}x`]
      : [peer.name, state, '-', '-', '-']);
  }

  return {
    tables: [
      {
        title: 'Per-run latency (ms, whole call: spawn to exit and output collected)',
        columns: ['run', 'median', 'p95', 'runExecutable vs bare', 'samples'],
        rows,
        notes: [
          `${rounds} interleaved rounds x ${iterations} iterations per contender (tinybench, one Bench per round, order rotated each round; a warm-up round first, not counted).`,
          `echo.c reads ${Buffer.byteLength(INPUT)} bytes on stdin and writes them back; every run's status/exit code and output are checked.`,
          `Target: runExecutable /bin/true at most 2x bare spawn. Measured: ${ratio('runExecutable /bin/true', 'spawn /bin/true').toFixed(2)}x.`,
        ],
      },
      {
        title: 'Peers, per-run latency of /bin/true (ms; ratio = peer median / runExecutable median, same rounds)',
        columns: ['runner', 'state', 'median', 'p95', 'ratio to ours'],
        rows: peerRows,
        notes: ['Peers are found on PATH only; the bench never installs one. Their exact command lines are listed under "Exact commands".'],
      },
    ],
    summary: {
      ratioTrueVsSpawn: round(ratio('runExecutable /bin/true', 'spawn /bin/true')),
      ratioTrueVsSpawnSync: round(ratio('runExecutable /bin/true', 'spawnSync /bin/true')),
      ratioEchoVsSpawn: round(ratio('runExecutable echo.c', 'spawn echo.c')),
    },
    raw: {
      rounds, iterationsPerRound: iterations, unit: 'ms',
      tasks: Object.fromEntries([...samples].map(([k, v]) => [k, { ...roundStats(stats[k]), samples: v.map((x) => round(x)) }])),
      peers: ctx.peers.map(({ peer, state }) => ({ name: peer.name, state, command: commandLine(peer, '/bin/true') })),
    },
  };
}

export function roundStats(s) {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));
}
