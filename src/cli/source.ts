/**
 * A run whose program is a source file (by extension, or --lang): compile it once in its own sandbox (src/lang),
 * then run the artefact with the run's options; the artefact's directory is removed afterwards. Loaded only when
 * the program looks like a source, so a plain run never imports the compiler's code.
 *
 * A compile error prints the compiler's output on stderr (control characters escaped on a terminal) and exits 1
 * (status CE with --json), the submission's fault; a missing toolchain or a bad source exits 125.
 */
import path from 'node:path';
import { printable } from '../judge/format.js';
import { compileSource, type CompileReport, type Compiled } from '../lang/compile.js';
import { languageOf } from '../lang/resolve.js';
import { cacheDirOf } from '../lang/cache.js';
import type { RunOptions } from '../engine/types.js';
import type { OptionValues } from './options.js';
import type { CliIo } from './types.js';

export interface CompiledRun {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: RunOptions;
  readonly compiled: Compiled;
  readonly compile: CompileReport;
}

/** The compiler's words for stderr: as they are, or escaped line by line on a terminal. */
export function compilerOutput(c: CompileReport, tty: boolean): string {
  const head = `simple-cp-sandbox: compile error (${c.language}): ${c.message}\n`;
  const out = c.output === '' || c.output.endsWith('\n') ? c.output : `${c.output}\n`;
  const body = tty ? out.split('\n').map((l) => printable(l.replace(/\t/g, '        '))).join('\n') : out;
  return `${body}${head}`;
}

/**
 * The compiled run for `program`, or the CE report, or null when the program is not a source (run it as it is).
 * Throws SourceError / ToolchainMissingError (exit 125) and setup errors.
 */
export async function compileForRun(program: string, args: readonly string[], values: OptionValues,
  options: RunOptions): Promise<CompiledRun | { ce: CompileReport } | null> {
  const lang = languageOf(program, values.lang as string | undefined, options.cwd);
  if (lang === null) return null;
  const cache = cacheDirOf(values.noCache === true ? false : undefined);
  const r = await compileSource({
    source: path.resolve(options.cwd ?? process.cwd(), program),
    language: lang.name,
    cache,
    readDenyPaths: options.config?.readDenyPaths ?? [],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  if (!r.ok) return { ce: r.compile };
  return { ...r.program.runWith(options, args, cache), compiled: r.program, compile: r.compile };
}
