/**
 * The report as text for people: a table with one row per test and a summary. Pure functions of the report; the
 * CLI (src/cli/judge.ts) prints the rows as the tests finish, in test order.
 *
 *   test  verdict  time     cpu      memory   message
 *   1     AC       0.003 s  0.001 s  1.4 MiB
 *   8     WA       0.002 s  0.001 s  1.4 MiB  token 1: expected 3000000000000, got -1294967296 (output line 1)
 *   verdict: WA (first on test 8)
 *
 * A source's compile comes first: one line (language, time, cached), and after a CE the compiler's output.
 *   passed 7 of 10 tests; max CPU time 0.001 s, max memory 1.4 MiB
 */
import { squeeze } from '../util/text.js';
import type { CompileReport, JudgeReport, TestResult, Verdict } from './types.js';
import { formatBytes } from './verdict.js';

const NAME_MAX = 32;
const MESSAGE_MAX = 120;

export interface TableLayout {
  readonly nameWidth: number;
  /** ANSI colours for the verdicts (terminals only). */
  readonly color: boolean;
}

export function tableLayout(names: readonly string[], color: boolean): TableLayout {
  return { nameWidth: Math.min(NAME_MAX, Math.max(4, ...names.map((n) => [...printable(n)].length))), color };
}

function cell(s: string, width: number): string {
  const chars = [...s];
  if (chars.length > width) return `${chars.slice(0, width - 1).join('')}…`;
  return s + ' '.repeat(width - chars.length);
}

/**
 * Text from programs and checkers as a terminal may show it: control characters (an escape sequence could recolour
 * or rewrite the screen) become \xNN.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function secs(t: number): string {
  return `${t.toFixed(3)} s`;
}

const COLORS: Record<Verdict, number> = { AC: 32, WA: 31, TLE: 31, MLE: 31, RE: 31, OLE: 31, CE: 31, SE: 33, FAIL: 33 };

function paint(v: Verdict, text: string, color: boolean): string {
  return color ? `\x1b[${COLORS[v]}m${text}\x1b[0m` : text;
}

export function headerLine(layout: TableLayout): string {
  return `${cell('test', layout.nameWidth)}  ${cell('verdict', 7)}  ${cell('time', 9)}  ${cell('cpu', 9)}  ${cell('memory', 9)}  message`;
}

export function rowLine(t: TestResult, layout: TableLayout): string {
  const row = `${cell(printable(t.name), layout.nameWidth)}  ${paint(t.verdict, cell(t.verdict, 7), layout.color)}  ${cell(secs(t.wallTime), 9)}  `
    + `${cell(secs(t.cpuTime), 9)}  ${cell(formatBytes(t.peakMemory), 9)}  ${printable(squeeze(t.message, MESSAGE_MAX))}`;
  return row.trimEnd();
}

/** Each line of `s` printable (tabs kept): a compiler's output on a terminal. */
function printableLines(s: string): string[] {
  return s.replace(/\n$/, '').split('\n').map((l) => printable(l.replace(/\t/g, '        ')));
}

/** The compile's lines: what compiled and how long it took; after a CE, why and the compiler's output. */
export function compileLines(c: CompileReport, color = false): string[] {
  if (c.status === 'OK') {
    return [`compile: ${c.language} OK ${c.cached ? '(cached)' : `in ${secs(c.wallTime)}`}`];
  }
  const out = c.output === '' ? [] : printableLines(c.output);
  return [
    `compile: ${c.language} ${paint('CE', 'CE', color)}: ${printable(c.message)}`,
    ...out.map((l) => `  ${l}`),
    ...(c.outputTruncated ? ['  … (the compiler\'s output was cut at 64 KiB)'] : []),
  ];
}

export function summaryLines(report: JudgeReport, color = false): string[] {
  const { summary } = report;
  const first = report.tests.find((t) => t.verdict !== 'AC');
  const ce = report.verdict === 'CE';
  const verdict = `verdict: ${paint(report.verdict, report.verdict, color)}`
    + (ce ? ' (the source did not compile)' : first ? ` (first on test ${printable(first.name)})` : `, all ${summary.total} tests passed`);
  const why = ce ? 'compile error' : 'stopped at the first failure';
  const skipped = summary.skipped > 0 ? ` (${summary.skipped} not run: ${why})` : '';
  return [
    verdict,
    `passed ${summary.passed} of ${summary.total} tests${skipped}; max CPU time ${secs(summary.maxCpuTime)}, `
      + `max memory ${formatBytes(summary.maxPeakMemory)}`,
  ];
}

/** The whole report as text (what the CLI has printed once a judge is over). */
export function formatReport(report: JudgeReport, color = false): string {
  const layout = tableLayout([...report.tests.map((t) => t.name), ...report.skipped], color);
  return [
    ...(report.compile ? compileLines(report.compile, color) : []),
    ...(report.verdict === 'CE' ? [] : [headerLine(layout), ...report.tests.map((t) => rowLine(t, layout))]),
    ...summaryLines(report, color),
  ].join('\n') + '\n';
}

export function progressLine(done: number, total: number, failed: number): string {
  return `judging: ${done}/${total} tests done${failed > 0 ? `, ${failed} not AC` : ''}`;
}
