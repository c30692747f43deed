/**
 * RunOptions are normalised once, here: every validator stands beside its default, and a bad value throws an
 * InvalidOptionError that names the option and shows the value (execa's lib/arguments/options.js does the same).
 */
import type { Readable, Writable } from 'node:stream';
import { InvalidOptionError } from './errors.js';
import type { RunOptions } from './types.js';
import { isSupportedAbi, MIN_SUPPORTED_ABI, NEWEST_KNOWN_ABI, type SupportedAbi } from '../landlock/versions.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The smallest memory limit, bytes: below it not even a shell starts. */
export const MIN_MEMORY = 4 * MiB;
/** The largest `processes`. */
export const MAX_PROCESSES = 4096;

export const DEFAULTS = {
  timeout: 10,
  memory: GiB,
  outputLimit: 64 * MiB,
  processes: 1,
  fileSize: 256 * MiB,
  writeLimit: 256 * MiB,
  openFiles: 64,
  uid: 65534,
  gid: 65534,
  path: '/usr/local/bin:/usr/bin:/bin',
} as const;

/** The runner is root: programs then run as another uid (default 65534), and only then can uid/gid be chosen. */
export const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;

/** Upper bounds that keep arithmetic exact and catch unit mistakes (ms for s, KiB for bytes). */
const MAX_SECONDS = 7 * 24 * 3600;
const MAX_BYTES = 2 ** 52;

export interface Normalized {
  timeout: number;
  cpuTime: number;
  memory: number;
  outputLimit: number;
  processes: number;
  input: Buffer | null;
  stdinFile: string | null;
  /** A caller's fd or stream for stdin (RunOptions.stdin), or null. */
  stdin: number | Readable | null;
  /** A caller's fd or stream for stdout / stderr, or null: captured. */
  stdout: number | Writable | null;
  stderr: number | Writable | null;
  cwd: string;
  env: Record<string, string>;
  readDenyPaths: string[];
  writeAllowPaths: string[];
  uid: number | null;
  gid: number | null;
  fileSize: number;
  writeLimit: number;
  openFiles: number;
  /** null: unlimited. */
  stack: number | null;
  ignoreSigpipe: boolean;
  /** Use at most this Landlock ABI (3..7), or null: the kernel's. */
  landlockAbi: SupportedAbi | null;
}

/** The environment variable that sets landlockAbi's default for every run of a process (a fleet's service file). */
export const LANDLOCK_ABI_ENV = 'SIMPLE_CP_SANDBOX_LANDLOCK_ABI';

/** landlockAbi, or its default from LANDLOCK_ABI_ENV; a bad value of either is an InvalidOptionError naming it. */
function landlockAbi(v: unknown): SupportedAbi | null {
  let name = 'landlockAbi';
  if (v === undefined) {
    const env = process.env[LANDLOCK_ABI_ENV];
    if (env === undefined || env === '') return null;
    name = LANDLOCK_ABI_ENV;
    v = /^\d+$/.test(env) ? Number(env) : env;
  }
  if (!isSupportedAbi(v)) {
    throw new InvalidOptionError(name, v, `a Landlock ABI version from ${MIN_SUPPORTED_ABI} to ${NEWEST_KNOWN_ABI} (the most the sandbox may use)`);
  }
  return v;
}

function seconds(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_SECONDS) {
    throw new InvalidOptionError(name, v, `a number of seconds > 0 and <= ${MAX_SECONDS}`);
  }
  return v;
}

function bytes(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_BYTES) {
    throw new InvalidOptionError(name, v, `a whole number of bytes >= ${min}`);
  }
  return v;
}

function count(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidOptionError(name, v, `a whole number from ${min} to ${max}`);
  }
  return v;
}

function id(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xfffffffe) {
    throw new InvalidOptionError(name, v, 'a non-zero uid/gid (the program never runs as root)');
  }
  return v;
}

function pathList(name: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new InvalidOptionError(name, v, 'an array of directory paths');
  }
  return [...v] as string[];
}

/** A file descriptor number, or a stream with the methods the runner uses (duck-typed, as node:stream does). */
function fdOrStream<T>(name: string, v: unknown, methods: readonly string[], what: string): number | T | null {
  if (v === undefined) return null;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0x7fffffff) return v;
  } else if (typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function')) {
    return v as T;
  }
  throw new InvalidOptionError(name, v, `a file descriptor (a whole number >= 0) or ${what}`);
}

const KNOWN = new Set(['timeout', 'cpuTime', 'memory', 'outputLimit', 'processes', 'input', 'stdinFile', 'stdin', 'stdout',
  'stderr', 'cwd', 'env', 'config', 'uid', 'gid', 'fileSize', 'writeLimit', 'openFiles', 'stack', 'ignoreSigpipe', 'landlockAbi']);

export function normalizeOptions(o: RunOptions | undefined, isRoot: boolean): Normalized {
  if (o === undefined || o === null) o = {};
  if (typeof o !== 'object') throw new InvalidOptionError('options', o, 'an object');
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidOptionError(k, (o as Record<string, unknown>)[k], `a known option (${[...KNOWN].join(', ')})`);

  const timeout = o.timeout === undefined ? DEFAULTS.timeout : seconds('timeout', o.timeout);
  const cpuTime = o.cpuTime === undefined ? timeout : seconds('cpuTime', o.cpuTime);
  const memory = o.memory === undefined ? DEFAULTS.memory : bytes('memory', o.memory, MIN_MEMORY);
  const outputLimit = o.outputLimit === undefined ? DEFAULTS.outputLimit : bytes('outputLimit', o.outputLimit, 0);
  const processes = o.processes === undefined ? DEFAULTS.processes : count('processes', o.processes, 1, MAX_PROCESSES);

  if (o.input !== undefined && o.stdinFile !== undefined) {
    throw new InvalidOptionError('input', '(both input and stdinFile)', 'either input or stdinFile, not both');
  }
  const stdin = fdOrStream<Readable>('stdin', o.stdin, ['pipe', 'on', 'unpipe'], 'a Readable stream');
  if (stdin !== null && (o.input !== undefined || o.stdinFile !== undefined)) {
    throw new InvalidOptionError('stdin', '(stdin with input or stdinFile)', 'one of stdin, input and stdinFile');
  }
  const stdout = fdOrStream<Writable>('stdout', o.stdout, ['write', 'on', 'once'], 'a Writable stream');
  const stderr = fdOrStream<Writable>('stderr', o.stderr, ['write', 'on', 'once'], 'a Writable stream');
  let input: Buffer | null = null;
  if (o.input !== undefined) {
    if (typeof o.input === 'string') input = Buffer.from(o.input, 'utf8');
    else if (o.input instanceof Uint8Array) input = Buffer.from(o.input.buffer, o.input.byteOffset, o.input.byteLength);
    else throw new InvalidOptionError('input', o.input, 'a string or a Uint8Array');
  }
  if (o.stdinFile !== undefined && (typeof o.stdinFile !== 'string' || o.stdinFile === '')) {
    throw new InvalidOptionError('stdinFile', o.stdinFile, 'a file path');
  }
  if (o.cwd !== undefined && (typeof o.cwd !== 'string' || o.cwd === '')) {
    throw new InvalidOptionError('cwd', o.cwd, 'a directory path');
  }
  let env: Record<string, string> = { PATH: DEFAULTS.path };
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) throw new InvalidOptionError('env', o.env, 'an object of strings');
    env = {};
    for (const [k, v] of Object.entries(o.env)) {
      if (k === '' || k.includes('=') || k.includes('\0')) throw new InvalidOptionError(`env.${k}`, k, 'a variable name without "=" or NUL');
      if (typeof v !== 'string' || v.includes('\0')) throw new InvalidOptionError(`env.${k}`, v, 'a string without NUL');
      env[k] = v;
    }
  }
  const config = o.config ?? {};
  if (typeof config !== 'object' || config === null) throw new InvalidOptionError('config', config, 'a SandboxConfig object');
  const readDenyPaths = pathList('config.readDenyPaths', config.readDenyPaths);
  const writeAllowPaths = pathList('config.writeAllowPaths', config.writeAllowPaths);

  let uid: number | null = null;
  let gid: number | null = null;
  if (isRoot) {
    uid = o.uid === undefined ? DEFAULTS.uid : id('uid', o.uid);
    gid = o.gid === undefined ? (o.uid === undefined ? DEFAULTS.gid : uid) : id('gid', o.gid);
  } else if (o.uid !== undefined || o.gid !== undefined) {
    throw new InvalidOptionError(o.uid !== undefined ? 'uid' : 'gid', o.uid ?? o.gid,
      'no uid/gid: only a root runner can run the program as another user');
  }
  const fileSize = o.fileSize === undefined ? DEFAULTS.fileSize : bytes('fileSize', o.fileSize, 0);
  const writeLimit = o.writeLimit === undefined ? DEFAULTS.writeLimit : bytes('writeLimit', o.writeLimit, 0);
  const openFiles = o.openFiles === undefined ? DEFAULTS.openFiles : count('openFiles', o.openFiles, 4, 1 << 20);
  const stack = o.stack === undefined ? null : bytes('stack', o.stack, 64 * 1024);
  if (o.ignoreSigpipe !== undefined && typeof o.ignoreSigpipe !== 'boolean') {
    throw new InvalidOptionError('ignoreSigpipe', o.ignoreSigpipe, 'true or false');
  }

  return {
    timeout, cpuTime, memory, outputLimit, processes, input, stdinFile: o.stdinFile ?? null, stdin, stdout, stderr,
    cwd: o.cwd ?? process.cwd(),
    env, readDenyPaths, writeAllowPaths, uid, gid, fileSize, writeLimit, openFiles, stack, ignoreSigpipe: o.ignoreSigpipe === true,
    landlockAbi: landlockAbi(o.landlockAbi),
  };
}

/**
 * The limits and identity a run with these options would have, every default filled in, validated as a run
 * validates them (throws InvalidOptionError). uid and gid are null when the runner is not root: the program then
 * runs as the runner's own user.
 */
export type EffectiveOptions = Readonly<Pick<Normalized, 'timeout' | 'cpuTime' | 'memory' | 'outputLimit' | 'processes'
  | 'uid' | 'gid' | 'fileSize' | 'openFiles' | 'stack' | 'landlockAbi'>>;

export function effectiveOptions(o: RunOptions | undefined): EffectiveOptions {
  return normalizeOptions(o, isRoot);
}
