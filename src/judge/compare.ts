/**
 * The built-in checkers: pure functions of the program's output and the answer (bytes), returning null when they
 * match or a one-line message that says where the first difference is. They work on the bytes directly (no
 * decoding of whole outputs, no array of every token), so a 64 MiB output costs one pass.
 *
 * Tokens are separated by ASCII whitespace (space, \t, \n, \v, \f, \r), as scanf and testlib read them.
 */

/** SPACE[b] is 1 for the whitespace bytes. */
const SPACE = new Uint8Array(256);
for (const b of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) SPACE[b] = 1;

interface Token {
  readonly start: number;
  readonly end: number;
  /** 1-based line of the token's first byte. */
  readonly line: number;
}

const SHOW_CHARS = 40;

/** A token as a message shows it: at most SHOW_CHARS characters, control characters escaped. */
function show(buf: Uint8Array, start: number, end: number): string {
  const cut = end - start > SHOW_CHARS * 4;
  let s = Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(end - start, SHOW_CHARS * 4)).toString('utf8');
  let long = cut;
  if ([...s].length > SHOW_CHARS) {
    s = [...s].slice(0, SHOW_CHARS - 1).join('');
    long = true;
  }
  return escapeControls(s) + (long ? '…' : '');
}

function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function tokenText(buf: Uint8Array, t: Token): string {
  return show(buf, t.start, t.end);
}

/**
 * A token as a number, or null when it is not one. Only decimal notation counts (sign, digits, a point, an
 * exponent: what printf's %d, %f, %e and %g write), no hex, inf or nan. The grammar is checked and the string
 * built in one loop: this runs for every token of a float output whose digits differ from the answer's.
 */
function asNumber(buf: Uint8Array, t: Token): number | null {
  const len = t.end - t.start;
  if (len > 400) return null;
  let s = '';
  let digits = 0; // in the mantissa
  let state = 0; // 0 sign, 1 integer part, 2 fraction, 3 exponent sign, 4 exponent digits
  for (let p = t.start; p < t.end; p++) {
    const c = buf[p]!;
    if (c >= 0x30 && c <= 0x39) {
      if (state === 0) state = 1;
      else if (state === 3) state = 4;
      if (state <= 2) digits++;
    } else if ((c === 0x2b || c === 0x2d) && (p === t.start || (state === 3 && (buf[p - 1] === 0x65 || buf[p - 1] === 0x45)))) {
      // a sign: first, or right after the e
    } else if (c === 0x2e && state <= 1) {
      state = 2;
    } else if ((c === 0x65 || c === 0x45) && digits > 0 && state <= 2) {
      state = 3;
    } else {
      return null;
    }
    s += String.fromCharCode(c);
  }
  if (digits === 0 || state === 3) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** A positive number in three significant digits, in exponent notation when it is very small or large. */
function short(x: number): string {
  const rounded = Number(x.toPrecision(3));
  return x !== 0 && (x < 1e-3 || x >= 1e6) ? rounded.toExponential() : String(rounded);
}

/**
 * Token by token, both buffers walked together in one pass with no allocation per token (33 million tokens of a
 * 64 MiB output take well under a second). `tokenEqual` decides for two tokens that are not the same bytes: null
 * when they are equal after all, else the reason appended to the message (e.g. the difference of two numbers).
 */
function compareTokenwise(output: Uint8Array, answer: Uint8Array,
  tokenEqual: (o: Token, a: Token) => string | null): string | null {
  if (Buffer.compare(output, answer) === 0) return null; // the common case, at memcmp speed
  const on = output.length;
  const an = answer.length;
  let i = 0; // in output
  let j = 0; // in answer
  let line = 1; // of output[i]
  for (let k = 1; ; k++) {
    while (i < on && SPACE[output[i]!] === 1) {
      if (output[i] === 0x0a) line++;
      i++;
    }
    while (j < an && SPACE[answer[j]!] === 1) j++;
    if (i >= on && j >= an) return null;
    const oStart = i;
    const aStart = j;
    while (i < on && j < an && output[i] === answer[j] && SPACE[output[i]!] === 0) { i++; j++; }
    const oEnded = i >= on || SPACE[output[i]!] === 1;
    const aEnded = j >= an || SPACE[answer[j]!] === 1;
    if (oEnded && aEnded) {
      if (oStart === i) break; // cannot happen (both had a token), but never loop forever
      continue;
    }
    while (i < on && SPACE[output[i]!] === 0) i++;
    while (j < an && SPACE[answer[j]!] === 0) j++;
    const o: Token = { start: oStart, end: i, line };
    const a: Token = { start: aStart, end: j, line };
    if (a.start === a.end) return `token ${k}: expected end of output, got ${tokenText(output, o)} (output line ${line})`;
    if (o.start === o.end) return `token ${k}: expected ${tokenText(answer, a)}, got end of output`;
    const why = tokenEqual(o, a);
    if (why === null) continue;
    return `token ${k}: expected ${tokenText(answer, a)}, got ${tokenText(output, o)}${why} (output line ${line})`;
  }
  throw new Error('internal error: token comparison did not advance');
}

/** `tokens`: the whitespace-separated tokens are the same, whatever the spacing and line breaks. */
export function compareTokens(output: Uint8Array, answer: Uint8Array): string | null {
  return compareTokenwise(output, answer, () => '');
}

/**
 * `float:EPS`: tokens, where two numbers are equal when |output - answer| <= EPS * max(1, |answer|), i.e. within
 * EPS absolutely or relatively to the answer (a slack of 1e-15 absorbs the rounding of the subtraction itself,
 * as testlib's doubleCompare does). Tokens that are not both numbers compare exactly.
 */
export function compareFloats(output: Uint8Array, answer: Uint8Array, eps: number): string | null {
  return compareTokenwise(output, answer, (o, a) => {
    const x = asNumber(answer, a);
    const y = asNumber(output, o);
    if (x === null) return '';
    if (y === null) return ' (not a number)';
    const d = Math.abs(x - y);
    const tolerance = eps * Math.max(1, Math.abs(x));
    if (d <= tolerance * (1 + 1e-12) + 1e-15) return null;
    return ` (difference ${short(d)}, allowed ${short(tolerance)})`;
  });
}

/** `exact`: the same bytes. The message gives the byte, line and column of the first difference and what follows. */
export function compareExact(output: Uint8Array, answer: Uint8Array): string | null {
  const n = Math.min(output.length, answer.length);
  let i = 0;
  // Find the first differing 4 KiB block with memcmp, then the byte within it.
  const BLOCK = 4096;
  while (i + BLOCK <= n && Buffer.compare(output.subarray(i, i + BLOCK), answer.subarray(i, i + BLOCK)) === 0) i += BLOCK;
  while (i < n && output[i] === answer[i]) i++;
  if (i === n && output.length === answer.length) return null;
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < i; k++) {
    if (answer[k] === 0x0a) { line++; lineStart = k + 1; }
  }
  const where = `byte ${i + 1} (line ${line}, column ${i - lineStart + 1})`;
  const expected = i < answer.length ? context(answer, i) : 'end of output';
  const got = i < output.length ? context(output, i) : 'end of output';
  return `${where}: expected ${expected}, got ${got}`;
}

/** Up to 20 bytes from `at`, to the end of the line (its \n included), quoted and escaped. */
function context(buf: Uint8Array, at: number): string {
  let end = at;
  while (end < buf.length && end - at < 20 && buf[end] !== 0x0a) end++;
  if (end < buf.length && buf[end] === 0x0a && end - at < 20) end++;
  const more = end < buf.length && buf[end - 1] !== 0x0a;
  return `${JSON.stringify(Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString('utf8'))}${more ? '…' : ''}`;
}
