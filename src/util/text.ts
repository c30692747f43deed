/** Small text helpers shared by the CLI and the judge (no imports: anything may use them). */

/** A decimal number as people write it: no hex, no `Infinity`, no empty string (Number() accepts all three). */
export const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** `s` on one line: each line break and the blanks around it become one space; a line's own spaces stay. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** `s` cut to at most `max` characters (code points), an ellipsis marking the cut. */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** `s` with every run of whitespace made one space, at most `max` characters: a program's words in a table cell. */
export function squeeze(s: string, max = Infinity): string {
  return truncate(s.replace(/\s+/g, ' ').trim(), max);
}
