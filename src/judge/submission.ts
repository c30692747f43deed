/**
 * What a judge runs on every test: the program as given, or a source compiled once (src/lang) in its own sandbox,
 * which may not read the tests either. A CE ends the judge before any test; the run directory of a compiled source
 * is removed by `dispose()` when the judge is over.
 */
import path from 'node:path';
import { InvalidOptionError, type RunOptions } from '../engine/index.js';
import type { Engine } from '../engine/engine.js';
import { isAtOrBelow } from '../landlock/plan.js';
import { processTempRoot } from '../util/tempdirs.js';
import { compileSource, type CompileReport, type Compiled } from '../lang/compile.js';
import { cacheDirOf } from '../lang/cache.js';
import { JudgeConfigError } from './errors.js';
import type { JudgeOptions } from './types.js';

export interface Submission {
  readonly program: string;
  readonly args: readonly string[];
  /** The run options of every test, with what the language needs (its processes, its environment). */
  readonly options: RunOptions;
  /** The compile's report for a source, null for a program. */
  readonly compile: CompileReport | null;
  /** The compiled source (its runtime's out-of-memory message), null for a program. */
  readonly compiled: Compiled | null;
  dispose(): Promise<void>;
}

/** Checks that exactly one of program and source is given, and language only with source. */
export function checkSubmission(o: JudgeOptions): void {
  const hasProgram = o.program !== undefined;
  const hasSource = o.source !== undefined;
  if (hasProgram === hasSource) throw new InvalidOptionError('program', o.program ?? o.source, 'either program or source (one of them)');
  if (hasSource && (typeof o.source !== 'string' || o.source === '')) throw new InvalidOptionError('source', o.source, 'a source file path');
  if (hasProgram && (typeof o.program !== 'string' || o.program === '')) throw new InvalidOptionError('program', o.program, 'a program path');
  if (o.language !== undefined && (!hasSource || (typeof o.language !== 'string' && typeof o.language !== 'object'))) {
    throw new InvalidOptionError('language', o.language, 'a language name or entry, with source (not with program)');
  }
  if (o.cache !== undefined && o.cache !== false && (typeof o.cache !== 'string' || o.cache === '')) {
    throw new InvalidOptionError('cache', o.cache, 'a cache directory or false');
  }
}

/**
 * Refuses write-allowed directories that would let a program write `dir` — the compile cache (the artefact a later
 * judge runs), or the runner's temporary directory (another test's checker files, an interactor's tout): `dir`,
 * anything below it, or a directory above it (`--allow-write /tmp`).
 */
export function refuseWritable(dir: string, what: string, fix: string, writable: readonly string[]): void {
  for (const w of writable) {
    const d = path.resolve(w);
    if (isAtOrBelow(d, dir) || isAtOrBelow(dir, d)) {
      throw new JudgeConfigError(`the program may not write ${w}: it holds ${what} ${dir} (${fix})`, w);
    }
  }
}

/** refuseWritable for the runner's temporary directory (util/tempdirs.ts), which every judge may use. */
export function refuseWritableTemp(writable: readonly string[]): void {
  if (writable.length === 0) return;
  refuseWritable(processTempRoot(), 'the judge\'s temporary files', 'give the program a directory of its own to write, '
    + 'outside the temporary directory', writable);
}

/**
 * The submission to run on the tests. `options` are the runs' (the tests directory already denied); `user` the
 * root runner's program user, whom the compiler runs as too.
 */
export async function prepareSubmission(o: JudgeOptions, args: readonly string[], options: RunOptions,
  user: { uid: number; gid: number } | null, engine: Engine): Promise<Submission | { compile: CompileReport }> {
  if (o.source === undefined) {
    return { program: o.program!, args, options, compile: null, compiled: null, dispose: async () => undefined };
  }
  const cache = cacheDirOf(o.cache);
  if (cache !== false) {
    refuseWritable(cache, 'the compile cache', 'choose another --allow-write directory, or another cache with '
      + 'SIMPLE_CP_SANDBOX_CACHE', options.config?.writeAllowPaths ?? []);
  }
  const r = await compileSource({
    source: path.resolve(options.cwd ?? process.cwd(), o.source),
    ...(o.language === undefined ? {} : { language: o.language }),
    ...(o.compileLimits === undefined ? {} : { limits: o.compileLimits }),
    cache,
    readDenyPaths: options.config?.readDenyPaths ?? [],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    ...(options.landlockAbi === undefined ? {} : { landlockAbi: options.landlockAbi }),
    engine,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (!r.ok) return { compile: r.compile };
  const compiled = r.program;
  const run = compiled.runWith(options, args, cache);
  return { program: run.file, args: run.args, options: run.options, compile: r.compile, compiled, dispose: () => compiled.dispose() };
}
