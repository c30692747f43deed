/**
 * The report as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters) read: one <testcase> per
 * test, time = its wall time in seconds; a non-AC test carries <failure type="VERDICT" message="...">, a test
 * not run (stopOnFirstFailure) carries <skipped/>.
 *
 * Text from programs and checkers ends up in attributes and element text: it is escaped, and every character XML
 * 1.0 cannot carry (control characters but tab and newline, lone surrogates, U+FFFE/U+FFFF) is removed, as are the
 * C1 controls (U+0080-U+009F), which XML allows but most tools choke on.
 */
import type { JudgeReport, TestResult } from './types.js';

// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes what XML cannot carry (see the module comment). */
export function xmlSafe(s: string): string {
  return s.replace(NOT_XML, '');
}

/** Element text. */
export function escapeText(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; tab, newline and CR as character references so parsers keep them. */
export function escapeAttribute(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function seconds(t: number): string {
  return (Math.round(t * 1e6) / 1e6).toString();
}

function attrs(pairs: ReadonlyArray<readonly [string, string | number]>): string {
  return pairs.map(([k, v]) => ` ${k}="${escapeAttribute(String(v))}"`).join('');
}

function details(t: TestResult): string {
  const how = t.signal !== null ? `signal ${t.signal}` : t.exitCode !== null ? `exit code ${t.exitCode}` : 'not run';
  return `${t.verdict}: ${t.message === '' ? '(no message)' : t.message}\n`
    + `wall ${seconds(t.wallTime)} s, cpu ${seconds(t.cpuTime)} s, memory ${t.peakMemory} bytes, ${how}`;
}

export interface JUnitOptions {
  /** The suite's name, e.g. the program judged. */
  readonly suite: string;
  /** classname of every testcase (CI tools group by it). Default: the suite's name. */
  readonly classname?: string;
}

export function toJUnit(report: JudgeReport, opts: JUnitOptions): string {
  const ce = report.compile?.status === 'CE' ? report.compile : null;
  const failures = report.tests.filter((t) => t.verdict !== 'AC').length + (ce ? 1 : 0);
  const time = seconds(report.tests.reduce((s, t) => s + t.wallTime, 0) + (ce?.wallTime ?? 0));
  const counts: Array<[string, string | number]> = [
    ['tests', report.summary.total + (ce ? 1 : 0)], ['failures', failures], ['errors', 0], ['skipped', report.summary.skipped], ['time', time],
  ];
  const classname = opts.classname ?? opts.suite;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([['name', `judge ${opts.suite}`], ...counts])}>`,
    `  <testsuite${attrs([['name', opts.suite], ...counts])}>`,
    `    <properties>`,
    `      <property${attrs([['name', 'verdict'], ['value', report.verdict]])}/>`,
    `    </properties>`,
  ];
  if (ce) {
    // A compile error is one failed testcase of its own, the compiler's output its text; every test is skipped.
    lines.push(`    <testcase${attrs([['name', 'compile'], ['classname', classname], ['time', seconds(ce.wallTime)]])}>`,
      `      <failure${attrs([['type', 'CE'], ['message', `CE: ${ce.message}`]])}>${escapeText(`${ce.command.join(' ')}\n${ce.output}`)}</failure>`,
      '    </testcase>');
  }
  for (const t of report.tests) {
    const head = `    <testcase${attrs([['name', t.name], ['classname', classname], ['time', seconds(t.wallTime)]])}`;
    if (t.verdict === 'AC') {
      lines.push(`${head}/>`);
    } else {
      lines.push(`${head}>`,
        `      <failure${attrs([['type', t.verdict], ['message', t.message === '' ? t.verdict : `${t.verdict}: ${t.message}`]])}>`
          + `${escapeText(details(t))}</failure>`,
        '    </testcase>');
    }
  }
  for (const name of report.skipped) {
    lines.push(`    <testcase${attrs([['name', name], ['classname', classname], ['time', 0]])}>`,
      `      <skipped${attrs([['message', ce ? 'not run: the source did not compile' : 'not run: stopped at the first failing test']])}/>`,
      '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
