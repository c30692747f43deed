// 7. Judge: 100 trivial tests with --jobs 2, end to end through the CLI (`simple-cp-sandbox judge`), against the
// same 100 runs made in process through runExecutable at concurrency 2 (what the judge itself cannot go below,
// plus its own cold start). Skipped, with a row saying so, when this build has no judge subcommand.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { batch, expect, median, round, run } from '../lib/util.mjs';

const BIN = fileURLToPath(new URL('../../bin/simple-cp-sandbox.js', import.meta.url));

/** Whether `simple-cp-sandbox judge` exists in this build: its help must mention --tests. */
export async function judgeAvailable() {
  const r = await run(BIN, ['judge', '--help']);
  return r.code === 0 && /--tests\b/.test(r.stdout + r.stderr);
}

export async function judge(ctx) {
  const title = 'Judge: 100 trivial tests, --jobs 2, end to end (ms)';
  const columns = ['run', 'median', 'min', 'max'];
  if (!(await judgeAvailable())) {
    return {
      tables: [{ title, columns: ['run', 'result'], rows: [['simple-cp-sandbox judge', 'judge not available in this build']], notes: [] }],
      raw: { available: false },
    };
  }
  const { runExecutable } = ctx.engine;
  const prog = ctx.bin.echo;
  const n = 100;
  const dir = ctx.scratch('judge-tests');
  const names = [];
  for (let i = 1; i <= n; i++) {
    const name = String(i).padStart(3, '0');
    const body = `${i}\n${i * 7} ${i * 13}\n`;
    writeFileSync(path.join(dir, `${name}.in`), body);
    writeFileSync(path.join(dir, `${name}.out`), body);
    names.push(name);
  }
  const reps = ctx.quick ? 1 : 3;
  const cliMs = [];
  const inProcMs = [];
  let lastOut = '';
  for (let i = 0; i < reps; i++) {
    // Options come before the program (everything after it is the program's argv).
    const r = await run(BIN, ['judge', '--tests', dir, '--jobs', '2', prog], { timeoutMs: 120_000 });
    expect(r.code === 0, `simple-cp-sandbox judge: exit ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    cliMs.push(r.ms);
    lastOut = r.stdout;
    inProcMs.push(await batch(n, 2, async (k) => {
      const input = readFileSync(path.join(dir, `${names[k]}.in`));
      const res = await runExecutable(prog, [], { timeout: 2, input });
      expect(res.status === 'OK' && res.stdout.equals(readFileSync(path.join(dir, `${names[k]}.out`))), `runExecutable test ${names[k]}: ${res.status}`);
    }));
  }
  const row = (label, v) => [label, median(v).toFixed(1), Math.min(...v).toFixed(1), Math.max(...v).toFixed(1)];
  return {
    tables: [{
      title,
      columns,
      rows: [
        row('`simple-cp-sandbox judge --tests DIR --jobs 2 echo` (whole process)', cliMs),
        row('same 100 runs in process, runExecutable at concurrency 2', inProcMs),
      ],
      notes: [`${reps} repetitions, alternated. Tests: NNN.in / NNN.out, echo.c as the solution (every test passes: exit 0 required). `
        + `Judge overhead = the CLI's cold start plus what the judge adds per test (reading, comparing, reporting).`],
    }],
    raw: { available: true, tests: n, cliMs: cliMs.map((x) => round(x)), inProcessMs: inProcMs.map((x) => round(x)), lastStdoutTail: lastOut.slice(-500) },
  };
}
