/**
 * `simple-cp-sandbox languages [--json]`: the language table (src/lang/table.ts) with what is installed here. Like
 * `doctor`, it only looks (each installed tool prints its version). Exit 0.
 */
import { languages, type LanguageInfo } from '../lang/info.js';
import { writeAll } from './io.js';
import type { CommandContext } from './types.js';

function lines(list: readonly LanguageInfo[]): string[] {
  const width = Math.max(...list.map((l) => l.name.length));
  const out: string[] = [];
  for (const l of list) {
    const ext = l.extensions.length ? l.extensions.join(' ') : `(--lang ${l.name})`;
    const state = l.installed ? `installed: ${l.version}` : `not installed (apt-get install ${l.packages.join(' ')})`;
    out.push(`${l.name.padEnd(width)}  ${l.title}; ${ext}${l.aliases.length ? `; also --lang ${l.aliases.join(', ')}` : ''}`);
    out.push(`${' '.repeat(width)}  ${state}`);
    out.push(`${' '.repeat(width)}  compile: ${l.compile.join(' ')}`);
    out.push(`${' '.repeat(width)}  run:     ${l.run.join(' ')}${l.processes > 1 ? `  (processes >= ${l.processes})` : ''}`);
  }
  return out;
}

export async function run(ctx: CommandContext): Promise<number> {
  const list = await languages();
  if (ctx.values.json === true) {
    await writeAll(ctx.io.stdout, `${JSON.stringify(list)}\n`);
  } else {
    const n = list.filter((l) => l.installed).length;
    await writeAll(ctx.io.stdout, `${[...lines(list), '', `${n} of ${list.length} languages installed here; `
      + 'toolchains are looked up in /usr/local/bin, /usr/bin and /bin.'].join('\n')}\n`);
  }
  return 0;
}
