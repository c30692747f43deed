/**
 * The built-in checkers (src/judge/compare.ts) as tables: output, answer, and null (accepted) or the message that
 * must say where the first difference is. And the checker words (src/judge/checker-spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { compareExact, compareFloats, compareTokens, JudgeConfigError, parseCheckerSpec } from '../../dist/judge/index.js';

const b = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

describe('tokens', () => {
  it.each([
    ['3\n', '3\n'],
    ['3', '3\n'],
    ['  1   2\n3\t4\r\n', '1 2 3 4'],
    ['1\n2\n', '1 2\n\n\n'],
    ['', ''],
    ['\n \t', ''],
    ['\x0b1\x0c2', '1 2'],
  ])('%j matches %j', (out, ans) => {
    expect(compareTokens(b(out), b(ans))).toBeNull();
  });

  it.each([
    ['1 2 6\n', '1 2 5\n', 'token 3: expected 5, got 6 (output line 1)'],
    ['1\n2\n7\n', '1 2 5', 'token 3: expected 5, got 7 (output line 3)'],
    ['1 2', '1 2 5', 'token 3: expected 5, got end of output'],
    ['1 2 5 9', '1 2 5', 'token 4: expected end of output, got 9 (output line 1)'],
    ['', '42', 'token 1: expected 42, got end of output'],
    ['YES', 'yes', 'token 1: expected yes, got YES (output line 1)'],
    ['3.0', '3', 'token 1: expected 3, got 3.0 (output line 1)'],
  ])('%j vs %j: %s', (out, ans, message) => {
    expect(compareTokens(b(out), b(ans))).toBe(message);
  });

  it('shows long tokens shortened and control characters escaped', () => {
    const long = 'x'.repeat(500);
    const m = compareTokens(b(`${long}`), b('y'))!;
    expect(m).toMatch(/^token 1: expected y, got x{39}… \(output line 1\)$/);
    expect(compareTokens(b('a\x01b'), b('ab'))).toBe('token 1: expected ab, got a\\x01b (output line 1)');
  });

  it('compares bytes, not text: invalid UTF-8 is a token like any other', () => {
    expect(compareTokens(Buffer.from([0xff, 0x0a]), Buffer.from([0xff]))).toBeNull();
    expect(compareTokens(Buffer.from([0xfe]), Buffer.from([0xff]))).toMatch(/^token 1: expected \uFFFD, got \uFFFD/);
  });

  it('handles a large output in one pass (a million tokens)', () => {
    const answer = Buffer.from(`${Array.from({ length: 1_000_000 }, (_, i) => i).join(' ')}\n`);
    const output = Buffer.from(answer.toString().replace(/ 999998 /, ' 999990 '));
    expect(compareTokens(answer, answer)).toBeNull();
    expect(compareTokens(output, answer)).toBe('token 999999: expected 999998, got 999990 (output line 1)');
  });
});

describe('exact', () => {
  it.each([['', ''], ['3\n', '3\n'], ['a b\n\nc', 'a b\n\nc']])('%j matches %j', (out, ans) => {
    expect(compareExact(b(out), b(ans))).toBeNull();
  });

  it.each([
    ['3 \n', '3\n', 'byte 2 (line 1, column 2): expected "\\n", got " \\n"'],
    ['3', '3\n', 'byte 2 (line 1, column 2): expected "\\n", got end of output'],
    ['3\n\n', '3\n', 'byte 3 (line 2, column 1): expected end of output, got "\\n"'],
    ['1\n2 4\n', '1\n2 3\n', 'byte 5 (line 2, column 3): expected "3\\n", got "4\\n"'],
    ['3\r\n', '3\n', 'byte 2 (line 1, column 2): expected "\\n", got "\\r\\n"'],
  ])('%j vs %j: %s', (out, ans, message) => {
    expect(compareExact(b(out), b(ans))).toBe(message);
  });

  it('finds a difference deep in a large output (past the block search)', () => {
    const answer = Buffer.alloc(100_000, 'a');
    const output = Buffer.from(answer);
    output[77_777] = 'b'.charCodeAt(0);
    expect(compareExact(output, answer)).toBe('byte 77778 (line 1, column 77778): expected "aaaaaaaaaaaaaaaaaaaa"…, got "baaaaaaaaaaaaaaaaaaa"…');
  });
});

describe('float:EPS', () => {
  it.each([
    ['3.14159265', '3.14159265358979', 1e-6],
    ['3.1415926', '3.14159265358979', 1e-6],
    ['31415.9265', '31415.926535897932', 1e-6], // relative: off by 3.6e-5 absolutely, 1.1e-9 relatively
    ['1e-9', '0', 1e-6], // absolute, near zero
    ['1.0000009', '1', 1e-6],
    ['-2.5', '-2.50000000001', 1e-9],
    ['+1.5E+2', '150', 0],
    ['YES 0.333333', 'YES 0.3333333333', 1e-6],
    ['1.000001', '1', 1e-6], // exactly at the bound: accepted (the subtraction's rounding is absorbed)
    ['+.5', '0.5', 0],
    ['5.', '5', 0],
    ['1E-2', '0.01', 1e-12],
    ['-0', '0', 0],
  ])('%j is within %s of %j', (out, ans, eps) => {
    expect(compareFloats(b(out), b(ans), eps)).toBeNull();
  });

  it.each<[string, string, number, string | null]>([
    ['3.1416', '3.141592653589793', 1e-6, 'token 1: expected 3.141592653589793, got 3.1416 (difference 7.35e-6, allowed 3.14e-6) (output line 1)'],
    ['0.5', '0.4', 1e-2, 'token 1: expected 0.4, got 0.5 (difference 0.1, allowed 0.01) (output line 1)'],
    ['yes 1', 'YES 1', 1e-6, 'token 1: expected YES, got yes (output line 1)'],
    ['abc', '0.5', 1e-6, 'token 1: expected 0.5, got abc (not a number) (output line 1)'],
    ['0x10', '16', 1e-6, 'token 1: expected 16, got 0x10 (not a number) (output line 1)'],
    ['nan', 'nan', 0, null],
    ...['1e', '1e+', '1.2.3', '1-2', 'e5', '.e5', '1e+-5', '1e5e3', '+', '-', 'inf'].map((t) =>
      [t, '1', 1, `token 1: expected 1, got ${t} (not a number) (output line 1)`] as [string, string, number, string]),
    ['1 2', '1 2 3', 1e-6, 'token 3: expected 3, got end of output'],
  ])('%j vs %j with eps %s: %s', (out, ans, eps, message) => {
    expect(compareFloats(b(out), b(ans), eps)).toBe(message);
  });
});

describe('checker words', () => {
  it.each([
    ['tokens', { kind: 'tokens' }],
    ['exact', { kind: 'exact' }],
    ['float:1e-6', { kind: 'float', eps: 1e-6 }],
    ['float:0.001', { kind: 'float', eps: 0.001 }],
    ['float:0', { kind: 'float', eps: 0 }],
    ['./checker', { kind: 'program', path: './checker' }],
    ['/opt/judge/chk', { kind: 'program', path: '/opt/judge/chk' }],
    ['chk', { kind: 'program', path: 'chk' }],
    ['./tokens', { kind: 'program', path: './tokens' }],
  ])('%s', (raw, spec) => {
    expect(parseCheckerSpec(raw)).toEqual(spec);
  });

  it.each(['float', 'float:', 'float:abc', 'float:-1', 'float:inf', 'float:0x1', ''])('%j is refused, with the expected form', (raw) => {
    expect(() => parseCheckerSpec(raw)).toThrow(JudgeConfigError);
    expect(() => parseCheckerSpec(raw)).toThrow(/expected/);
  });
});
