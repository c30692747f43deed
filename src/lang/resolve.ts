/**
 * From a file and an optional --lang to a language of the table, and from a language to its installed toolchain.
 * Light: the CLI asks languageOf() on every run whose program may be a source, before it loads anything else.
 */
import { accessSync, constants as fsc, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../engine/options.js';
import { SourceError, ToolchainMissingError } from './errors.js';
import { LANGUAGES, type LanguageDef, type ToolSpec } from './table.js';

/** Where toolchains are looked up: the sandbox's PATH (engine DEFAULTS.path), not the runner's. */
export const TOOL_DIRS: readonly string[] = DEFAULTS.path.split(':');

const known = (): string => LANGUAGES.map((l) => l.name).join(', ');

/** The language named `name` (its name or an alias, any case); a SourceError listing them otherwise. */
export function findLanguage(name: string): LanguageDef {
  const n = name.toLowerCase();
  const l = LANGUAGES.find((x) => x.name === n || x.aliases.includes(n));
  if (!l) throw new SourceError(`unknown language ${JSON.stringify(name)} (expected one of ${known()}; see simple-cp-sandbox languages)`);
  return l;
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const fileName = (v: unknown): boolean => typeof v === 'string' && v !== '' && !v.includes('/') && v !== '.' && v !== '..';

/**
 * A caller's own language entry (the library accepts one in place of a name), checked for the shape the table's
 * entries have: tools named without a slash (looked up in TOOL_DIRS like the table's), file names without one.
 */
export function checkLanguageDef(l: unknown): LanguageDef {
  const d = l as Partial<LanguageDef> | null;
  const tool = (t: unknown) => {
    const x = t as Partial<ToolSpec> | undefined;
    return typeof x === 'object' && x !== null && strings(x.names) && x.names.length > 0 && x.names.every(fileName)
      && typeof x.package === 'string' && strings(x.version);
  };
  const ok = typeof d === 'object' && d !== null && typeof d.name === 'string' && d.name !== '' && strings(d.aliases)
    && strings(d.extensions) && fileName(d.source?.replace('{class}', 'Main')) && tool(d.compiler) && strings(d.compile)
    && strings(d.artefacts) && d.artefacts.length > 0 && d.artefacts.every((a) => fileName(a))
    && (d.runtime === undefined || tool(d.runtime)) && strings(d.run)
    && typeof d.processes === 'number' && Number.isInteger(d.processes) && d.processes >= 1
    && (d.outOfMemory === undefined || d.outOfMemory instanceof RegExp);
  if (!ok) throw new SourceError('invalid language: expected a name of the table or an entry shaped like those of src/lang/table.ts');
  return d as LanguageDef;
}

/** The language an extension means (`.py` is python3), or undefined. */
export function languageForExtension(file: string): LanguageDef | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === '' ? undefined : LANGUAGES.find((l) => l.extensions.includes(ext));
}

/**
 * Whether `program` is a source to compile, and in which language: with `lang`, always (an unknown name is an
 * error); else by its extension. A file with an extension the table does not know is a program to run if it is
 * executable (`./sol.bin`), and an error saying to pass --lang if it is not; null: run it as it is.
 */
export function languageOf(program: string, lang?: string, cwd?: string): LanguageDef | null {
  if (lang !== undefined) return findLanguage(lang);
  const byExt = languageForExtension(program);
  if (byExt) return byExt;
  if (path.extname(program) === '') return null;
  const full = path.resolve(cwd ?? process.cwd(), program);
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
    accessSync(full, fsc.X_OK);
    return null;
  } catch {
    if (!isFile) return null; // missing: the engine says so, as for any program
  }
  throw new SourceError(`cannot tell the language of ${program} from its extension ${path.extname(program)} and it is `
    + `not executable: give --lang NAME (one of ${known()})`, program);
}

export interface Tool {
  /** The path found in TOOL_DIRS. */
  readonly path: string;
  /** Its real path, size and mtime: a toolchain upgrade changes them (the compile cache's key). */
  readonly stamp: string;
}

function lookup(spec: ToolSpec): Tool | null {
  for (const name of spec.names) {
    for (const dir of TOOL_DIRS) {
      const p = path.join(dir, name);
      try {
        accessSync(p, fsc.X_OK);
        const real = realpathSync(p);
        const st = statSync(real);
        if (!st.isFile()) continue;
        return { path: p, stamp: `${real}:${st.size}:${st.mtimeMs}:${st.ino}` };
      } catch {
        // not here
      }
    }
  }
  return null;
}

export interface Toolchain {
  readonly compiler: Tool;
  readonly runtime: Tool | null;
}

/** The language's compiler and runtime, or null when one is missing (findToolchain throws instead). */
export function toolchainOf(l: LanguageDef): Toolchain | null {
  const compiler = lookup(l.compiler);
  const runtime = l.runtime ? lookup(l.runtime) : null;
  if (!compiler || (l.runtime && !runtime)) return null;
  return { compiler, runtime };
}

/** The language's compiler and runtime; ToolchainMissingError naming the package when one is not installed. */
export function findToolchain(l: LanguageDef): Toolchain {
  const t = toolchainOf(l);
  if (t) return t;
  const missing = lookup(l.compiler) ? l.runtime! : l.compiler;
  throw new ToolchainMissingError(l.name, missing.names[0]!, missing.package, TOOL_DIRS);
}

/** Java source with comments, string and char literals blanked (so that a `class` in them is not taken). */
function javaCode(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => m.replace(/[^\n]/g, ' '));
}

/**
 * The class a Java source is run by: its public top-level class, else the first class declaring `main`. javac
 * wants a public class in a file of its name, so the build directory's copy is named after it.
 */
export function javaMainClass(source: string, file: string): string {
  const code = javaCode(source);
  const pub = /(?:^|[\s;}])public\s+(?:(?:final|abstract|static|strictfp)\s+)*(?:class|record|enum|interface)\s+([A-Za-z_$][\w$]*)/.exec(code);
  if (pub) return pub[1]!;
  const main = /\bstatic\s+(?:public\s+)?void\s+main\s*\(|\bvoid\s+main\s*\(/.exec(code);
  if (main) {
    const before = code.slice(0, main.index);
    const classes = [...before.matchAll(/\b(?:class|record|enum|interface)\s+([A-Za-z_$][\w$]*)/g)];
    const last = classes.at(-1);
    if (last) return last[1]!;
  }
  throw new SourceError(`no class to run in ${file}: it needs a class with \`public static void main(String[] args)\` `
    + '(e.g. `public class Main { public static void main(String[] args) { ... } }`)', file);
}
