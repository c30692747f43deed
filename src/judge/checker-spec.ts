/**
 * The checker a judge uses, as one word (`--checker`, JudgeOptions.checker). Pure and light: the CLI's option
 * data imports it to validate the word when parsing.
 *
 *   tokens       the whitespace-separated tokens of the output equal those of the answer (default)
 *   exact        the output equals the answer byte for byte
 *   float:EPS    tokens; two numbers are equal when they differ by at most EPS, absolutely or relatively to the
 *                answer's number; other tokens compare exactly
 *   PATH         a testlib-compatible checker program, run as `PATH <input> <output> <answer>` in its own sandbox
 *
 * Anything that is not one of the keywords is a path. A checker program whose name is a keyword is named with a
 * slash (`./tokens`).
 */
import { DECIMAL } from '../util/text.js';
import { JudgeConfigError } from './errors.js';

export type CheckerSpec =
  | { readonly kind: 'tokens' }
  | { readonly kind: 'exact' }
  | { readonly kind: 'float'; readonly eps: number }
  | { readonly kind: 'program'; readonly path: string };

export const DEFAULT_CHECKER = 'tokens';

export function parseCheckerSpec(raw: string): CheckerSpec {
  if (typeof raw !== 'string' || raw === '' || raw.includes('\0')) {
    throw new JudgeConfigError(`invalid checker ${JSON.stringify(raw)} (expected tokens, exact, float:EPS or the path of a checker program)`);
  }
  if (raw === 'tokens' || raw === 'exact') return { kind: raw };
  if (raw === 'float' || raw.startsWith('float:')) {
    const text = raw.slice('float:'.length);
    const eps = DECIMAL.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(eps) || eps < 0) {
      throw new JudgeConfigError(`invalid checker ${JSON.stringify(raw)} (expected float:EPS with EPS a number >= 0, e.g. float:1e-6)`);
    }
    return { kind: 'float', eps };
  }
  return { kind: 'program', path: raw };
}
