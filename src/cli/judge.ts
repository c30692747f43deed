/**
 * `simple-cp-sandbox judge [options] <program> [args...]`: the library's judge() (src/judge) on the CLI's streams.
 *
 * Output: without --json, a table on stdout whose rows appear as the tests finish, in test order, then the
 * summary; on a terminal, also a live progress line under the rows, and the verdicts in colour (unless NO_COLOR).
 * With --json, only the report as one JSON object. --junit FILE writes the JUnit XML as well.
 *
 * Exit code: 0 every test AC; 1 the program failed a test (WA TLE MLE RE OLE); 125 nothing could be judged (bad
 * option, tests, checker or program: one line on stderr, or the JSON object with `error`) or the overall verdict
 * is SE or FAIL (the judge's fault, not the program's); 128+N when the CLI was ended by signal N.
 */
import { constants as fsc } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { constants as osc } from 'node:os';
import path from 'node:path';
import { InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError, SandboxSetupError } from '../engine/errors.js';
import { JudgeConfigError } from '../judge/errors.js';
import { compileLines, headerLine, printable, progressLine, rowLine, summaryLines, tableLayout, type TableLayout } from '../judge/format.js';
import { SourceError, ToolchainMissingError } from '../lang/errors.js';
import { languageOf } from '../lang/resolve.js';
import { exitCodeForVerdict, findTests, judge, toJUnit } from '../judge/index.js';
import type { JudgeLimits, JudgeProgress, JudgeReport, TestCase, TestResult } from '../judge/types.js';
import { oneLine } from '../util/text.js';
import { loadEngine } from './load-engine.js';
import { CliError, CliUsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { writeAll } from './io.js';
import { judgeErrorReport } from './judge-options.js';
import { flagForLibraryOption, toRunOptions } from './options.js';
import type { CliIo, CommandContext } from './types.js';

const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function describe(e: unknown): string {
  if (e instanceof InvalidOptionError) {
    const flag = e.option === 'jobs' ? '--jobs' : flagForLibraryOption(e.option);
    return flag ? e.message.replace(/^invalid option [^:]*:/, `invalid value for ${flag}:`) : e.message;
  }
  if (e instanceof JudgeConfigError || e instanceof CliError || e instanceof ProgramNotFoundError
    || e instanceof ProgramNotExecutableError || e instanceof SandboxSetupError || e instanceof SourceError
    || e instanceof ToolchainMissingError) return e.message;
  const err = e instanceof Error ? e : new Error(String(e));
  return `judge error: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
}

/**
 * Prints the rows in test order as results arrive (they finish in any order), the progress line on a terminal,
 * and the summary. With --stop-on-first-failure no row follows the first non-AC one, as in the report.
 */
export class TablePrinter {
  private readonly pending = new Map<number, TestResult>();
  private nextRow = 0;
  private stopped = false;
  started = false;
  private failed = 0;
  private done = 0;
  private progress = '';
  private readonly layout: TableLayout;
  private readonly total: number;

  constructor(private readonly io: CliIo, cases: readonly TestCase[], private readonly tty: boolean,
    private readonly stopOnFirstFailure: boolean) {
    this.layout = tableLayout(cases.map((t) => t.name), tty && process.env.NO_COLOR === undefined);
    this.total = cases.length;
  }

  /** The compile's line (a source), then the table's header: the tests start. */
  start(report: JudgeReport['compile']): void {
    this.started = true;
    if (report) this.write(`${compileLines(report, this.layout.color).join('\n')}\n`);
    this.write(`${headerLine(this.layout)}\n`);
    this.showProgress();
  }

  private write(s: string): void {
    this.io.stdout.write(s);
  }

  private showProgress(): void {
    if (!this.tty) return;
    this.progress = progressLine(this.done, this.total, this.failed);
    this.io.stdout.write(this.progress);
  }

  private clearProgress(): void {
    if (this.tty && this.progress !== '') this.io.stdout.write('\r\x1b[2K');
    this.progress = '';
  }

  onProgress(p: JudgeProgress): void {
    this.done = p.finished;
    if (p.result.verdict !== 'AC') this.failed++;
    this.pending.set(p.index, p.result);
    this.clearProgress();
    for (let r = this.pending.get(this.nextRow); r !== undefined && !this.stopped; r = this.pending.get(this.nextRow)) {
      this.pending.delete(this.nextRow);
      this.nextRow++;
      this.write(`${rowLine(r, this.layout)}\n`);
      if (this.stopOnFirstFailure && r.verdict !== 'AC') this.stopped = true;
    }
    this.showProgress();
  }

  async finish(report: JudgeReport): Promise<void> {
    this.clearProgress();
    if (report.verdict === 'CE' && report.compile) {
      await writeAll(this.io.stdout, `${[...compileLines(report.compile, this.layout.color), ...summaryLines(report, this.layout.color)].join('\n')}\n`);
      return;
    }
    if (!this.started) this.start(report.compile);
    // Rows not printed yet (none, unless a callback was missed) come from the report itself.
    for (const t of report.tests.slice(this.nextRow)) this.write(`${rowLine(t, this.layout)}\n`);
    await writeAll(this.io.stdout, `${summaryLines(report, this.layout.color).join('\n')}\n`);
    // A sandbox that could not be set up is the judge's problem to fix: its whole message, which a row cuts short.
    const se = report.verdict === 'SE' ? report.tests.find((t) => t.verdict === 'SE') : undefined;
    if (se) await writeAll(this.io.stderr, `simple-cp-sandbox: judge: test ${printable(se.name)}: ${printable(oneLine(se.message))}\n`);
  }

  abandon(): void {
    this.clearProgress();
  }
}

async function checkJUnitTarget(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    await access(dir, fsc.W_OK);
  } catch {
    throw new CliUsageError(`invalid value for --junit: ${JSON.stringify(file)} (its directory ${dir} must exist and be writable)`);
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const { values, io } = ctx;
  const program = ctx.args[0] as string;
  const args = (ctx.args[1] as string[] | undefined) ?? [];
  const json = values.json === true;
  const junit = values.junit as string | undefined;
  const stopOnFirstFailure = values.stopOnFirstFailure === true;
  const tty = !json && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const onInterrupt = (sig: NodeJS.Signals) => {
    interrupted ??= sig;
    // Once is enough: a second signal ends the CLI the default way (a compile is not stopped by the first).
    for (const s of INTERRUPTS) process.off(s, onInterrupt);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  let printer: TablePrinter | null = null;
  for (const s of INTERRUPTS) process.on(s, onInterrupt);
  // Through the CLI's loader, so that the bin's shutdown() ends the engine's threads when the judge is over
  // (judge() uses the same module instance).
  await loadEngine();
  try {
    const testsDir = values.tests as string | undefined;
    if (testsDir === undefined) {
      throw new CliUsageError('judge needs --tests DIR, the folder with the tests (see simple-cp-sandbox judge --help)');
    }
    if (junit !== undefined) await checkJUnitTarget(junit);
    const interactor = values.interactor as string | undefined;
    const cases = await findTests(testsDir, { optionalAnswers: interactor !== undefined });
    const limits = toRunOptions(values) as JudgeLimits;
    const lang = languageOf(program, values.lang as string | undefined, limits.cwd);
    if (!json) printer = new TablePrinter(io, cases, tty, stopOnFirstFailure);
    if (lang === null) printer?.start(null);
    const report = await judge({
      ...(lang === null ? { program } : { source: program, language: lang.name }),
      ...(values.noCache === true ? { cache: false as const } : {}),
      onCompiled: (c) => { if (c.status === 'OK') printer?.start(c); },
      args, tests: cases,
      ...(interactor === undefined ? {} : {
        interactor,
        interactorLimits: {
          ...(values.interactorTimeout === undefined ? {} : { timeout: values.interactorTimeout as number }),
          ...(values.interactorMemory === undefined ? {} : { memory: values.interactorMemory as number }),
        },
      }),
      checker: values.checker as string | undefined,
      limits,
      ...(values.jobs === undefined ? {} : { jobs: values.jobs as number }),
      stopOnFirstFailure,
      onProgress: printer ? (p) => printer!.onProgress(p) : undefined,
      signal: controller.signal,
    });
    if (junit !== undefined) {
      await writeFile(junit, toJUnit(report, { suite: program }));
    }
    if (printer) await printer.finish(report);
    else await writeAll(io.stdout, `${JSON.stringify({ ...report, error: null })}\n`);
    return exitCodeForVerdict(report.verdict);
  } catch (e) {
    printer?.abandon();
    if (interrupted !== null) {
      await writeAll(io.stderr, `simple-cp-sandbox: judge ${interrupted === 'SIGINT' ? 'interrupted' : `ended by ${interrupted}`}\n`);
      return ExitCode.SIGNAL_BASE + osc.signals[interrupted];
    }
    const message = oneLine(describe(e));
    if (json) await writeAll(io.stdout, `${JSON.stringify(judgeErrorReport(message))}\n`);
    else await writeAll(io.stderr, `simple-cp-sandbox: ${message}\n`);
    return ExitCode.SANDBOX;
  } finally {
    for (const s of INTERRUPTS) process.off(s, onInterrupt);
  }
}
