/**
 * Compiling a source once, in its own sandbox, into a directory a judge runs it from:
 *
 *   read the source -> its language (--lang or the extension) -> its toolchain -> the cache key
 *   -> cached: copy the entry into a fresh run directory
 *   -> else: a fresh build directory with a copy of the source -> the compiler, sandboxed (compile limits, writes
 *      only there, reads what programs read minus the caller's denied paths and the cache, no network)
 *      -> failed: CE (the report has the compiler's output) -> else the artefacts, checked and copied into the run
 *      directory -> the build directory removed -> the entry stored
 *
 * The artefact never lands in the user's tree. The run directory is removed by Compiled.dispose().
 */
import { constants as fsc } from 'node:fs';
import { chmod, chown, open, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULTS, defaultEngineInstance, type Engine, type RunOptions, type RunResult } from '../engine/index.js';
import { isRoot } from '../engine/options.js';
import { readPlainFile } from '../util/plain-file.js';
import { tempDir } from '../util/tempdirs.js';
import { CompileCache, cacheKey, defaultCacheDir } from './cache.js';
import { SourceError } from './errors.js';
import { checkLanguageDef, findLanguage, findToolchain, javaMainClass, languageForExtension, type Toolchain } from './resolve.js';
import type { LanguageDef } from './table.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The most of a source read (a submission is text; this is far above any judge's limit). */
export const MAX_SOURCE = 16 * MiB;
/** The largest artefact file copied out of a build (DMOJ caps artefacts at 128 MiB). */
export const MAX_ARTEFACT = 256 * MiB;
/** The compiler's output kept in the report. */
export const COMPILE_OUTPUT_MAX = 64 * KiB;

export type CompileLimits = Pick<RunOptions, 'timeout' | 'cpuTime' | 'memory' | 'processes' | 'outputLimit'>;

/** The compile sandbox's limits (DMOJ's and Hydro's, with room for javac, rustc and go build's threads). */
export const DEFAULT_COMPILE_LIMITS: Required<Omit<CompileLimits, 'cpuTime'>> = {
  timeout: 30, memory: 2048 * MiB, processes: 256, outputLimit: 4 * MiB,
};

export interface CompileReport {
  /** The language's name in the table. */
  readonly language: string;
  /** The compiler's argv as it ran (in the build directory). */
  readonly command: readonly string[];
  /** OK, or CE: the compiler failed, timed out or went over a limit. */
  readonly status: 'OK' | 'CE';
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The artefact came from the cache: the compiler did not run (times and output are those of no run). */
  readonly cached: boolean;
  /** Seconds. */
  readonly wallTime: number;
  readonly cpuTime: number;
  /** Bytes, of the compiler's own process. */
  readonly peakMemory: number;
  /** What the compiler wrote (stdout, then stderr), its first COMPILE_OUTPUT_MAX bytes. */
  readonly output: string;
  readonly outputTruncated: boolean;
  /** For CE, why in one sentence; '' otherwise. */
  readonly message: string;
}

export interface CompileOptions {
  /** The source file. */
  source: string;
  /** A name or alias of the table, or an entry of one's own; default: from the source's extension. */
  language?: string | LanguageDef;
  /** The compile sandbox's limits (DEFAULT_COMPILE_LIMITS otherwise). */
  limits?: CompileLimits;
  /** The cache directory, or false for none. Default: defaultCacheDir(). */
  cache?: string | false;
  /** Directories the compiler may not read (a judge passes its tests directory). */
  readDenyPaths?: readonly string[];
  /** Root runners: the user the compiler (and then the program) runs as. Default the engine's (65534). */
  uid?: number;
  gid?: number;
  /** At most this Landlock ABI for the compiler's run (RunOptions.landlockAbi). */
  landlockAbi?: number;
  engine?: Engine;
  /** Aborting kills the compiler and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type CompileResult =
  | { readonly ok: true; readonly compile: CompileReport; readonly program: Compiled }
  | { readonly ok: false; readonly compile: CompileReport };


function subst(s: string, words: Readonly<Record<string, string>>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => words[k] ?? m);
}

/** A compiled submission in its run directory: how to run it, and what its runtime's failures mean. */
export class Compiled {
  constructor(readonly language: LanguageDef, readonly dir: string, private readonly toolchain: Toolchain,
    private readonly className: string) {}

  /** The file and argv that run it under a memory limit of `memory` bytes, with the program's own `args`. */
  command(memory: number, args: readonly string[] = []): { file: string; args: string[] } {
    const words = { dir: this.dir, class: this.className, memory: String(Math.max(1, Math.floor(memory / MiB))) };
    const own = this.language.run.map((a) => subst(a, words));
    if (this.toolchain.runtime) return { file: this.toolchain.runtime.path, args: [...own, ...args] };
    return { file: path.join(this.dir, 'main'), args: [...own, ...args] };
  }

  /** The run's options for this language: at least its processes, its environment added to the run's. */
  runOptions<T extends RunOptions>(o: T): T {
    const env = this.language.runEnv ? { ...(o.env ?? { PATH: DEFAULTS.path }), ...this.language.runEnv } : o.env;
    return {
      ...o,
      processes: Math.max(o.processes ?? DEFAULTS.processes, this.language.processes),
      ...(env === undefined ? {} : { env }),
    };
  }

  /**
   * What runs it with the run's options `o` and the program's own `args`: the command under o's memory limit, o
   * with what the language needs (runOptions), and the compile cache (`cache`, its directory or false) denied, as
   * other submissions' artefacts are there.
   */
  runWith(o: RunOptions, args: readonly string[], cache: string | false): { file: string; args: string[]; options: RunOptions } {
    const run = this.runOptions(o);
    const deny = [...(run.config?.readDenyPaths ?? []), ...(cache === false ? [] : [cache])];
    const cmd = this.command(o.memory ?? DEFAULTS.memory, args);
    return { ...cmd, options: { ...run, config: { ...run.config, readDenyPaths: deny } } };
  }

  /** The line saying the runtime ran out of memory, when a run that ended in RE did (then it is MLE), or null. */
  outOfMemory(r: Pick<RunResult, 'status' | 'stderr'>): string | null {
    const re = this.language.outOfMemory;
    if (r.status !== 'RE' || !re) return null;
    const m = re.exec(r.stderr.toString('utf8'));
    return m ? m[0] : null;
  }

  /** Removes the run directory. */
  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function readSource(file: string): Promise<Buffer> {
  let fh;
  try {
    fh = await open(file, fsc.O_RDONLY);
    const st = await fh.stat();
    if (!st.isFile()) throw new SourceError(`the source ${file} is not a file`, file);
    if (st.size > MAX_SOURCE) throw new SourceError(`the source ${file} is ${st.size} bytes, above the limit of ${MAX_SOURCE}`, file);
    return await fh.readFile();
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SourceError(`cannot read the source ${file} (${code})`, file, { cause: e });
  } finally {
    await fh?.close();
  }
}

function languageFor(source: string, name: string | LanguageDef | undefined): LanguageDef {
  if (typeof name === 'object') return checkLanguageDef(name);
  if (name !== undefined) return findLanguage(name);
  const l = languageForExtension(source);
  if (!l) {
    throw new SourceError(`cannot tell the language of ${source} from its extension: give --lang NAME (see simple-cp-sandbox languages)`, source);
  }
  return l;
}

/** The artefact files the compile left in `build` (regular files only; `*.EXT` patterns expanded). */
async function artefactsIn(build: string, l: LanguageDef): Promise<string[] | string> {
  const names = await readdir(build);
  const out: string[] = [];
  for (const a of l.artefacts) {
    const found = a.startsWith('*.') ? names.filter((n) => n.endsWith(a.slice(1))) : names.filter((n) => n === a);
    if (found.length === 0) return `the compiler exited 0 but left no ${a}`;
    out.push(...found);
  }
  return out;
}

/**
 * Copies a file the compiler made (or the source the runner wrote) into `dest`, refusing anything but a regular
 * file with one link owned by the compiler's user or the runner: the runner reads it with its own rights, so a
 * symlink or a hard link the compiler planted (to /etc/shadow, say) must not be followed.
 */
async function copyArtefact(src: string, dest: string, owner: number, mode: number): Promise<void> {
  const r = await readPlainFile(src, [owner, process.geteuid?.() ?? owner], MAX_ARTEFACT);
  if ('refused' in r) throw new SourceError(`refusing the artefact ${path.basename(src)}: ${r.refused}`);
  await writeFile(dest, r.data, { flag: 'wx', mode });
  await chmod(dest, mode);
}

function reportOf(l: LanguageDef, command: readonly string[], r: RunResult | null, cached: boolean, message: string): CompileReport {
  const all = r ? Buffer.concat([r.stdout, r.stderr]) : Buffer.alloc(0);
  const kept = all.subarray(0, COMPILE_OUTPUT_MAX);
  return {
    language: l.name, command, status: message === '' ? 'OK' : 'CE',
    exitCode: r?.exitCode ?? (cached ? 0 : null), signal: r?.signal ?? null, cached,
    wallTime: r?.wallTime ?? 0, cpuTime: r?.cpuTime ?? 0, peakMemory: r?.peakMemory ?? 0,
    output: kept.toString('utf8'), outputTruncated: all.length > kept.length || (r?.stdoutTruncated ?? false) || (r?.stderrTruncated ?? false),
    message,
  };
}

function failure(r: RunResult, limits: Required<Omit<CompileLimits, 'cpuTime'>>): string {
  switch (r.status) {
    case 'OK': return '';
    case 'TLE': return `the compiler went over its time limit (${limits.timeout} s)`;
    case 'MLE': return `the compiler went over its memory limit (${limits.memory / MiB} MiB)`;
    case 'OLE': return `the compiler wrote more than ${limits.outputLimit} bytes`;
    case 'RE': return r.signal !== null ? `the compiler was ended by ${r.signal}` : `the compiler exited with code ${r.exitCode}`;
  }
}


/** Compiles `o.source` (see the module comment). Rejects with SourceError, ToolchainMissingError, setup errors. */
export async function compileSource(o: CompileOptions): Promise<CompileResult> {
  const language = languageFor(o.source, o.language);
  const bytes = await readSource(o.source);
  const toolchain = findToolchain(language);
  const className = language.source.includes('{class}') ? javaMainClass(bytes.toString('utf8'), o.source) : '';
  const src = subst(language.source, { class: className });
  const limits = { ...DEFAULT_COMPILE_LIMITS, ...o.limits };
  const engine = o.engine ?? defaultEngineInstance();
  const uid = isRoot ? o.uid ?? DEFAULTS.uid : process.geteuid?.() ?? 0;
  const gid = isRoot ? o.gid ?? o.uid ?? DEFAULTS.gid : process.getegid?.() ?? 0;
  const args = language.compile.map((a) => subst(a, { src }));
  const command = [toolchain.compiler.path, ...args];

  const cache = o.cache === false ? null : await CompileCache.open(o.cache ?? defaultCacheDir());
  const deny = [...(o.readDenyPaths ?? [])];
  // What the compiler could not read is part of the key: a source that embeds a file (.incbin, include_bytes!)
  // compiled where that file was readable must not be reused where it is denied (another problem's tests).
  const key = cacheKey({
    language: language.name, source: src, compile: language.compile, env: language.compileEnv ?? {},
    artefacts: language.artefacts, compiler: toolchain.compiler.stamp, runtime: toolchain.runtime?.stamp ?? null,
    denied: [...new Set(deny.map((d) => path.resolve(d)))].sort(),
  }, bytes);
  const runMode = isRoot ? 0o711 : 0o700;
  const fileMode = language.runtime ? 0o644 : 0o755;

  const hit = cache ? await cache.lookup(key) : null;
  if (hit) {
    const dir = await tempDir('run', runMode);
    try {
      for (const f of await readdir(hit)) await copyArtefact(path.join(hit, f), path.join(dir, f), process.geteuid?.() ?? 0, fileMode);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return { ok: true, compile: reportOf(language, command, null, true, ''), program: new Compiled(language, dir, toolchain, className) };
  }

  const build = await tempDir('build', 0o700);
  let run: string | null = null;
  try {
    await writeFile(path.join(build, src), bytes, { mode: 0o644 });
    if (isRoot) await chown(build, uid, gid);
    const words = { build };
    const env: Record<string, string> = { PATH: DEFAULTS.path, HOME: build, TMPDIR: build, LANG: 'C.UTF-8' };
    for (const [k, v] of Object.entries(language.compileEnv ?? {})) env[k] = subst(v, words);
    if (cache) deny.push(cache.root);
    o.signal?.throwIfAborted();
    const proc = engine.start(toolchain.compiler.path, args, {
      ...limits, cwd: build, env, input: '', openFiles: 1024,
      config: { writeAllowPaths: [build], readDenyPaths: deny },
      ...(isRoot ? { uid, gid } : {}),
      ...(o.landlockAbi === undefined ? {} : { landlockAbi: o.landlockAbi }),
    });
    const onAbort = () => proc.kill();
    o.signal?.addEventListener('abort', onAbort);
    let r: RunResult;
    try {
      r = await proc.communicate();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
    o.signal?.throwIfAborted();
    const why = failure(r, limits);
    if (why !== '') return { ok: false, compile: reportOf(language, command, r, false, why) };
    const files = await artefactsIn(build, language);
    if (typeof files === 'string') return { ok: false, compile: reportOf(language, command, r, false, files) };
    run = await tempDir('run', runMode);
    try {
      for (const f of files) await copyArtefact(path.join(build, f), path.join(run, f), uid, fileMode);
    } catch (e) {
      // The compile's own doing (a symlink or a link left as the artefact): the submission's fault, a CE.
      if (e instanceof SourceError) return { ok: false, compile: reportOf(language, command, r, false, e.message) };
      throw e;
    }
    if (cache) await cache.store(key, files.map((f) => path.join(run!, f)));
    const program = new Compiled(language, run, toolchain, className);
    run = null;
    return { ok: true, compile: reportOf(language, command, r, false, ''), program };
  } finally {
    await rm(build, { recursive: true, force: true });
    if (run !== null) await rm(run, { recursive: true, force: true });
  }
}
