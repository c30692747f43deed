#!/usr/bin/env node
// `npm run bench`: speed and measurement accuracy of the sandbox, measured on this machine, every comparison made
// in the same run and interleaved (other work on a shared machine then weighs on every contender alike).
//
//   node bench/run.mjs [--quick] [--no-write] [--note TEXT]
//
// Prints the tables, writes bench/results/latest.json (raw figures) and docs/benchmarks.md. Asserts no timings:
// it exits non-zero only when a run itself fails (a status or output that is not the expected one).
// --quick: few repetitions, for checking the bench itself (figures not meaningful). --no-write: print only.
// --note: a sentence added to the machine section of docs/benchmarks.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileFixtures } from './lib/fixtures.mjs';
import { machine, watchLoad } from './lib/machine.mjs';
import { commandLine, detectPeers } from './lib/peers.mjs';
import { markdownTable, textTable } from './lib/report.mjs';
import { nowMs, RunFailure } from './lib/util.mjs';
import { latency } from './sections/latency.mjs';
import { throughput } from './sections/throughput.mjs';
import { cpu } from './sections/cpu.mjs';
import { memory } from './sections/memory.mjs';
import { runtimes } from './sections/runtimes.mjs';
import { pool } from './sections/pool.mjs';
import { cli } from './sections/cli.mjs';
import { judge } from './sections/judge.mjs';
import { languages } from './sections/languages.mjs';
import { interactive } from './sections/interactive.mjs';
import { abi } from './sections/abi.mjs';
import { queue } from './sections/queue.mjs';

const ROOT = new URL('../', import.meta.url);
const JSON_OUT = fileURLToPath(new URL('bench/results/latest.json', ROOT));
const MD_OUT = fileURLToPath(new URL('docs/benchmarks.md', ROOT));

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write('usage: node bench/run.mjs [--quick] [--no-write] [--note TEXT]\n');
  process.exit(0);
}
const quick = argv.includes('--quick');
const write = !argv.includes('--no-write') && !quick;
const noteAt = argv.indexOf('--note');
const note = noteAt >= 0 ? argv[noteAt + 1] ?? '' : '';

if (!existsSync(fileURLToPath(new URL('dist/engine/index.js', ROOT)))) {
  process.stderr.write('bench: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const engine = await import('../dist/engine/index.js');

const started = new Date();
const t0 = nowMs();
const load = watchLoad();
const fx = compileFixtures();
const info = machine();
const peers = await detectPeers();
const ctx = { engine, bin: fx.bin, scratch: fx.scratch, quick, cores: info.cores, peers };

const SECTIONS = [
  ['latency', latency],
  ['throughput', throughput],
  ['cpu', cpu],
  ['memory', memory],
  ['runtimes', runtimes],
  ['pool', pool],
  ['cli', cli],
  ['judge', judge],
  ['interactive', interactive],
  ['abi', abi],
  ['queue', queue],
  ['languages', languages],
];

process.stdout.write(`simple-cp-sandbox bench${quick ? ' (--quick: figures not meaningful)' : ''}: ${info.cores} cores, ${info.cpuModel}, ${info.kernel}, Node ${info.node}\n\n`);
const results = {};
const failures = [];
try {
  for (const [name, fn] of SECTIONS) {
    const ts = nowMs();
    try {
      const res = await fn(ctx);
      results[name] = { seconds: Number(((nowMs() - ts) / 1000).toFixed(1)), ...res };
      for (const t of res.tables) process.stdout.write(`${textTable(t)}\n`);
    } catch (e) {
      failures.push({ section: name, message: e instanceof Error ? e.message : String(e) });
      process.stdout.write(`== ${name}: FAILED: ${e instanceof Error ? e.message : String(e)}\n\n`);
      if (!(e instanceof RunFailure)) process.stderr.write(`${e?.stack ?? e}\n`);
    }
  }
} finally {
  await engine.shutdown();
  fx.cleanup();
}
const loadInfo = load.stop();
const seconds = (nowMs() - t0) / 1000;

const targets = [];
if (results.latency) {
  const r = results.latency.summary.ratioTrueVsSpawn;
  targets.push(['runExecutable /bin/true vs bare spawn (median)', 'at most 2x', `${r.toFixed(2)}x`, r <= 2 ? 'yes' : 'no']);
}
if (results.cli) {
  const r = results.cli.summary.ratio;
  targets.push(['CLI cold start vs node -e 0 (median)', 'at most 2.0x', `${r.toFixed(2)}x`, r <= 2.0 ? 'yes' : 'no']);
}
const targetTable = { title: 'Targets', columns: ['what', 'target', 'measured', 'met'], rows: targets, notes: [] };
process.stdout.write(`${textTable(targetTable)}\n`);

const others = loadInfo.otherCoresBusy;
const busyNote = others >= 0.15
  ? `Other work was running on the machine at the time: other processes kept about ${others.toFixed(2)} of its ${info.cores} cores busy on average during the bench (load average ${loadInfo.loadavgStart[0]} at the start, ${loadInfo.loadavgEnd[0]} at the end). Comparisons are interleaved within the run, so they hold; absolute figures are somewhat pessimistic.`
  : `The machine was otherwise quiet (other processes used ${others.toFixed(2)} cores on average).`;
process.stdout.write(`${busyNote}\nbench took ${seconds.toFixed(1)} s${failures.length ? `; ${failures.length} section(s) FAILED` : ''}\n`);

const json = {
  date: started.toISOString(),
  quick,
  seconds: Number(seconds.toFixed(1)),
  machine: { ...info, load: loadInfo },
  note: note || undefined,
  failures,
  targets: targets.map(([what, target, measured, met]) => ({ what, target, measured, met: met === 'yes' })),
  sections: results,
};
if (write) {
  mkdirSync(fileURLToPath(new URL('bench/results/', ROOT)), { recursive: true });
  writeFileSync(JSON_OUT, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`wrote ${JSON_OUT}\n`);
  if (failures.length === 0) {
    writeFileSync(MD_OUT, markdown({ info, loadInfo, busyNote, targetTable, seconds }));
    process.stdout.write(`wrote ${MD_OUT}\n`);
  } else {
    process.stdout.write('docs/benchmarks.md left as it was: a run failed\n');
  }
}
process.exitCode = failures.length ? 1 : 0;

function markdown({ info, loadInfo, busyNote, targetTable, seconds }) {
  const tables = SECTIONS.flatMap(([name]) => results[name]?.tables ?? []);
  const peerCmds = peers.map(({ peer, state }) => `  - ${peer.name}, ${state === 'ok' ? 'measured' : state}:\n    \`${commandLine(peer, '/bin/true')}\``);
  return `<!-- Generated by \`npm run bench\` (bench/run.mjs). Edit the bench, not this file; raw figures: bench/results/latest.json. -->
# Benchmarks

Speed and measurement accuracy of simple-cp-sandbox, measured by \`npm run bench\` on the machine below.
Every comparison is made in the same run and interleaved (contenders alternate in blocks, in rotating order), so
load from other work on the machine falls on all of them alike. Figures are from one machine and one run: run
\`npm run bench\` on yours. The bench asserts no timings; it fails only when a run does not end as expected.

## Machine

| | |
|---|---|
| date | ${started.toISOString()} |
| cores | ${info.cores} |
| CPU | ${info.cpuModel} |
| kernel | ${info.kernel} |
| Node | ${info.node} |
| memory | ${info.memoryGiB} GiB |
| runner | ${info.user} |
| bench duration | ${seconds.toFixed(1)} s |
| load average (1 min) | ${loadInfo.loadavgStart[0]} at the start, ${loadInfo.loadavgEnd[0]} at the end |

${busyNote}${note ? `\n\n${note}` : ''}

${markdownTable(targetTable)}
## Results

${tables.map(markdownTable).join('\n')}
## Exact commands

- The bench: \`npm run bench\`, i.e. \`node bench/run.mjs\` (\`--quick\` for a smoke run that writes nothing).
- Bench programs (fixtures/bench/*.c and fixtures/programs/*.c), compiled into a fresh 0755 temporary directory:
${fx.commands.map((c) => `  - \`${c}\``).join('\n')}
- runExecutable: \`runExecutable(prog, args, { timeout: 2, input })\` from dist/engine/index.js (defaults otherwise:
  1 GiB memory, 1 process, uid 65534 under root); CPU section \`{ timeout: 10 }\`, CPU-limit kill
  \`{ cpuTime: 0.5, timeout: 5 }\`, wall-limit kill \`{ timeout: 0.5 }\`, pool section
  \`{ timeout: 2, config: { readDenyPaths: [freshDir] } }\`. Latency is the whole awaited call.
- Bare spawn: \`child_process.spawn(prog, [], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] })\`, awaited
  until 'close' with stdout and stderr collected; \`child_process.spawnSync(prog, [], { input })\`.
- CLI cold start: \`bin/simple-cp-sandbox.js --timeout 2 /bin/true\` (executed through its shebang) against
  \`node -e 0\`; the breakdown runs bench/lib/cold-probe.mjs (the bin's steps with a clock mark after each). The floor
  rows: \`node -e "require(KOFFI)"\` and \`node bench/lib/floor.mjs\` (koffi on the main thread plus one worker thread
  that loads koffi, nothing of ours).
- Judge (when the build has the subcommand): \`bin/simple-cp-sandbox.js judge --tests DIR --jobs 2 $TMP/echo\` with
  100 tests NNN.in / NNN.out.
- Peers, each run on /bin/true through \`child_process.spawn\` like the bare spawn (the command is shown for a
  peer that is not installed too: it is what the bench runs where it is):
${peerCmds.join('\n')}

## How to read it

- Latency: median and p95 (linear between closest ranks) of every sample of all rounds.
- CPU-time truth is the program's own \`CLOCK_PROCESS_CPUTIME_ID\` read just before it exits, in the same run as the
  runner's figure; "truth bare" is the same program outside the sandbox.
- Peak-memory truth is the kernel's \`ru_maxrss\` for the same program run alone, bare (fixtures/programs/maxrss.c
  starts it with vfork and prints what wait4 reports); the sandbox's figure comes from the gate's wait4 the same way.
- Runtimes: the runtime tests' a + b (fixtures/runtimes/runtimes.mjs) with
  \`{ memory: 256 MiB, processes: N, timeout: 10, input }\`, against the same argv spawned bare.
`;
}
