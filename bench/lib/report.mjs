// Renders the sections' tables: aligned plain text for the terminal, Markdown for docs/benchmarks.md.

const plain = (s) => String(s).replace(/`/g, '');

export function textTable({ title, columns, rows, notes = [] }) {
  const cells = [columns, ...rows].map((r) => r.map(plain));
  const width = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd();
  return [
    `== ${title}`,
    line(cells[0]),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    ...notes.map((n) => `   ${plain(n)}`),
    '',
  ].join('\n');
}

const md = (s) => String(s).replace(/\|/g, '\\|');

export function markdownTable({ title, columns, rows, notes = [] }) {
  return [
    `### ${title}`,
    '',
    `| ${columns.map(md).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
    '',
    ...notes.map((n) => `${n}  `),
    '',
  ].join('\n');
}
