/**
 * The JUnit XML (src/judge/junit.ts), parsed back with a strict reader: its structure, and text from programs
 * (control characters, XML specials, lone surrogates) made safe.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../dist/judge/index.js';
import { escapeAttribute, escapeText, toJUnit, xmlSafe } from '../../dist/judge/junit.js';
import type { TestResult, Verdict } from '../../dist/judge/types.js';
import { childrenNamed, parseXml } from './helpers.js';

function result(name: string, verdict: Verdict, message = '', extra: Partial<TestResult> = {}): TestResult {
  return {
    name, input: `t/${name}.in`, answer: `t/${name}.out`, verdict, wallTime: 0.25, cpuTime: 0.125, peakMemory: 1 << 20,
    exitCode: 0, signal: null, message, interactor: null, ...extra,
  };
}

describe('toJUnit', () => {
  it('one testcase per test, in order; a failure with the verdict and message for each non-AC test', () => {
    const report = summarize([
      result('1', 'AC'),
      result('2', 'WA', 'token 3: expected 5, got 6 (output line 1)', { wallTime: 0.5 }),
      result('10', 'RE', 'killed by SIGSEGV', { exitCode: null, signal: 'SIGSEGV' }),
      result('11', 'FAIL', 'the checker failed (exit code 3): bad jury answer'),
    ], []);
    const root = parseXml(toJUnit(report, { suite: './solution' }));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '4', failures: '3', errors: '0', skipped: '0', time: '1.25' });
    const [suite, ...others] = childrenNamed(root, 'testsuite');
    expect(others).toEqual([]);
    expect(suite!.attributes).toMatchObject({ name: './solution', tests: '4', failures: '3', skipped: '0' });
    const verdict = childrenNamed(childrenNamed(suite!, 'properties')[0]!, 'property')[0]!;
    expect(verdict.attributes).toEqual({ name: 'verdict', value: 'WA' });

    const cases = childrenNamed(suite!, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['1', '2', '10', '11']);
    expect(cases.map((c) => c.attributes.time)).toEqual(['0.25', '0.5', '0.25', '0.25']);
    expect(cases.every((c) => c.attributes.classname === './solution')).toBe(true);
    expect(cases[0]!.children).toEqual([]);
    for (const [i, verdictName, message] of [[1, 'WA', 'token 3: expected 5, got 6 (output line 1)'], [2, 'RE', 'killed by SIGSEGV'],
      [3, 'FAIL', 'the checker failed (exit code 3): bad jury answer']] as const) {
      const failures = childrenNamed(cases[i]!, 'failure');
      expect(failures).toHaveLength(1);
      expect(failures[0]!.attributes).toEqual({ type: verdictName, message: `${verdictName}: ${message}` });
      expect(failures[0]!.text).toContain(`${verdictName}: ${message}`);
    }
    expect(childrenNamed(cases[2]!, 'failure')[0]!.text).toContain('signal SIGSEGV');
  });

  it('tests not run are testcases with <skipped/>, counted in tests and skipped', () => {
    const report = summarize([result('1', 'AC'), result('2', 'TLE', 'wall time limit of 1 s exceeded')], ['3', '4']);
    const suite = childrenNamed(parseXml(toJUnit(report, { suite: 'sol', classname: 'judge.sum' })), 'testsuite')[0]!;
    expect(suite.attributes).toMatchObject({ tests: '4', failures: '1', skipped: '2' });
    const cases = childrenNamed(suite, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['1', '2', '3', '4']);
    expect(cases.every((c) => c.attributes.classname === 'judge.sum')).toBe(true);
    for (const c of cases.slice(2)) {
      expect(childrenNamed(c, 'skipped')).toHaveLength(1);
      expect(childrenNamed(c, 'failure')).toHaveLength(0);
    }
  });

  it('escapes XML specials and removes control characters from names and messages', () => {
    const nasty = 'a<b>&"c\' \x00\x01\x07\x1b[31m red \x7f\x85 \ud800 lone, \ud83d\ude00 pair, tab\there\nnext';
    const report = summarize([result('t<&>"1', 'RE', nasty)], []);
    const xml = toJUnit(report, { suite: 'prog "x" & <y>' });
    const root = parseXml(xml); // strict: throws on a control character, a raw < or &
    const suite = childrenNamed(root, 'testsuite')[0]!;
    expect(suite.attributes.name).toBe('prog "x" & <y>');
    const c = childrenNamed(suite, 'testcase')[0]!;
    expect(c.attributes.name).toBe('t<&>"1');
    const failure = childrenNamed(c, 'failure')[0]!;
    const cleaned = 'a<b>&"c\' [31m red   lone, \ud83d\ude00 pair, tab\there\nnext';
    expect(failure.attributes.message).toBe(`RE: ${cleaned}`);
    expect(failure.text).toContain(`RE: ${cleaned}`);
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
  });
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain', 'plain'],
    ['<a & b>', '&lt;a &amp; b&gt;', '&lt;a &amp; b&gt;'],
    ['"q" \'s\'', '"q" \'s\'', '&quot;q&quot; &apos;s&apos;'],
    ['line1\nline2\tx\r', 'line1\nline2\tx\r', 'line1&#10;line2&#9;x&#13;'],
    ['\x00\x1f\x7f\x9f', '', ''],
  ])('%j', (raw, text, attribute) => {
    expect(escapeText(raw)).toBe(text);
    expect(escapeAttribute(raw)).toBe(attribute);
  });

  it('keeps valid surrogate pairs, drops lone surrogates and U+FFFE/U+FFFF', () => {
    expect(xmlSafe('\ud83d\ude00')).toBe('\ud83d\ude00');
    expect(xmlSafe('a\ud83db\ude00c\ufffe\uffff')).toBe('abc');
  });
});
