/**
 * Argument parsing: the fast scanner (scan.ts, used so a run does not load commander) must agree with the
 * commander setup (program.ts) on every argv it accepts, and decline everything else; both are built from the
 * same option data (options.ts). Also the option data's own contract: parsers show the bad value and what is
 * expected, and the mapping to the library's RunOptions.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, findCommand, type CliIo, type Subcommand } from '../../dist/cli/commands.js';
import { CliUsageError } from '../../dist/cli/errors.js';
import { jsonShapeFor } from '../../dist/cli/main.js';
import { errorToJson } from '../../dist/cli/result-json.js';
import { flagForLibraryOption, ROOT_OPTIONS, RUN_OPTIONS, toRunOptions } from '../../dist/cli/options.js';
import { parseArgv } from '../../dist/cli/program.js';
import { scanRunArgv } from '../../dist/cli/scan.js';

function nullIo(): CliIo & { out: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (b: Buffer) => chunks.push(b));
  return { stdin: new PassThrough(), stdout, stderr: new PassThrough(), out: () => Buffer.concat(chunks).toString() };
}

/** Valid run invocations: the scanner must take them, and produce what commander produces. */
const RUNS: string[][] = [
  ['./prog'],
  ['--timeout', '2', './prog', 'a', 'b'],
  ['--timeout=2.5', '--cpu-time', '1', '--memory', '256', '--output-limit', '0', './prog'],
  ['./prog', '--timeout', '5', '--', '--x'],
  ['--timeout', '5', '--', './prog', '--', '--x'],
  ['--', '-prog-with-dash'],
  ['--deny-read', '/a', '--deny-read=/b', '--allow-write', '/c', 'prog'],
  ['--env', 'A=1', '--env', 'B=x=y', '--env', 'EMPTY=', 'prog', '--env', 'C=3'],
  ['--user', '1500:1600', '--processes', '4', '--stdin', 'in.txt', '--cwd', '/tmp', 'prog'],
  ['--json', '--timeout', '1', 'prog', '--json'],
  ['--timeout', '1', '--timeout', '3', 'prog'],
  ['-', 'x'],
  ['--stdin', '--json', 'prog'],
  ['help'],
];

/** Invocations the scanner must leave to commander (help, errors, subcommands). */
const DECLINED: string[][] = [
  [], ['--help'], ['-h'], ['--version'], ['-V'], ['--nope', 'prog'], ['--timeout', 'abc', 'prog'], ['--timeout'],
  ['--json=1', 'prog'], ['-t', '2', 'prog'], ['doctor'], ['--', 'doctor'], ['--json', 'seccomp'], ['--timeout', '2'],
  ['--env', 'NOEQUALS', 'prog'], ['--memory', '-1', 'prog'],
];

describe('the fast scanner and commander agree', () => {
  for (const argv of RUNS) {
    it(`accepts ${JSON.stringify(argv)} as commander does`, async () => {
      const fast = scanRunArgv(argv);
      expect(fast).not.toBeNull();
      const inv = await parseArgv(argv, nullIo());
      expect(inv.kind).toBe('run');
      if (inv.kind !== 'run') return;
      expect(fast).toEqual(inv.run);
    });
  }
  for (const argv of DECLINED) {
    it(`declines ${JSON.stringify(argv)}`, () => {
      expect(scanRunArgv(argv)).toBeNull();
    });
  }

  it('keeps everything after the program as its argv, untouched', () => {
    const tail = ['--timeout', '5', '--', '--x', '-h', '--json', 'doctor', ''];
    expect(scanRunArgv(['--timeout', '1', './prog', ...tail])).toEqual({ values: { timeout: 1 }, program: './prog', args: tail });
  });
});

describe('commander setup', () => {
  it('maps its own errors to CliUsageError (exit 125), not commander\'s exit 1', async () => {
    for (const argv of [['--nope', 'prog'], [], ['--timeout'], ['doctor', '--nope'], ['seccomp', '--arch', 'sparc']]) {
      const err = await parseArgv(argv, nullIo()).then(() => null, (e: unknown) => e);
      expect(err, JSON.stringify(argv)).toBeInstanceOf(CliUsageError);
      expect((err as CliUsageError).exitCode).toBe(125);
      expect((err as Error).message).not.toMatch(/\n/);
    }
  });

  it('dispatches subcommands with their options, and `--json` given before the name', async () => {
    const a = await parseArgv(['doctor', '--json'], nullIo());
    const b = await parseArgv(['--json', 'doctor'], nullIo());
    for (const inv of [a, b]) {
      expect(inv.kind).toBe('command');
      if (inv.kind === 'command') {
        expect(inv.command.name).toBe('doctor');
        expect(inv.values).toEqual({ json: true });
      }
    }
    const s = await parseArgv(['seccomp', '--arch', 'aarch64', '--processes', '3', '--raw'], nullIo());
    expect(s.kind === 'command' && s.values).toEqual({ arch: 'aarch64', processes: 3, raw: true });
  });

  it('passes a pass-through subcommand\'s words after its program through untouched', async () => {
    const sub: Subcommand = {
      name: 'probe', summary: 'test', options: [RUN_OPTIONS.find((d) => d.flag === '--timeout')!],
      arguments: [{ syntax: '<program>', description: 'p' }, { syntax: '[args...]', description: 'a' }],
      passThroughOptions: true, load: () => Promise.reject(new Error('not loaded in this test')),
    };
    const inv = await parseArgv(['probe', '--timeout', '2', './prog', '--timeout', '5', '--', '-x'], nullIo(), [sub]);
    expect(inv.kind).toBe('command');
    if (inv.kind !== 'command') return;
    expect(inv.values).toEqual({ timeout: 2 });
    expect(inv.args).toEqual(['./prog', ['--timeout', '5', '--', '-x']]);
  });

  it('rejects a run option given before a subcommand instead of ignoring it', async () => {
    await expect(parseArgv(['--timeout', '2', 'doctor'], nullIo())).rejects.toThrow(/--timeout is not an option of "doctor"/);
  });

  it('prints help listing every option and subcommand, and returns exit 0', async () => {
    const io = nullIo();
    expect(await parseArgv(['--help'], io)).toEqual({ kind: 'exit', code: 0 });
    const help = io.out();
    for (const d of ROOT_OPTIONS) expect(help).toContain(d.flag);
    for (const c of COMMANDS) expect(help).toContain(c.name);
  });
});

describe('option data', () => {
  const BAD: Array<[string, string]> = [
    ['--timeout', 'abc'], ['--timeout', '0'], ['--timeout', '-1'], ['--timeout', 'Infinity'], ['--timeout', '0x10'],
    ['--cpu-time', ''], ['--memory', '-1'], ['--memory', '2'], ['--memory', 'lots'], ['--output-limit', '1.5'],
    ['--output-limit', '-3'], ['--processes', '0'], ['--processes', 'two'], ['--env', 'NOEQUALS'], ['--env', '=v'],
    ['--user', 'root'], ['--user', '0'], ['--user', '1000:'], ['--user', '5:0'], ['--deny-read', ''],
    ['--landlock-abi', '2'], ['--landlock-abi', '8'], ['--landlock-abi', 'four'], ['--landlock-abi', '4.5'],
  ];
  for (const [flag, raw] of BAD) {
    it(`rejects ${flag} ${JSON.stringify(raw)} showing the value and what is expected`, () => {
      const d = RUN_OPTIONS.find((o) => o.flag === flag)!;
      let err: unknown = null;
      try { d.parse(raw); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CliUsageError);
      expect((err as Error).message).toContain(flag);
      expect((err as Error).message).toContain(JSON.stringify(raw));
      expect((err as Error).message).toMatch(/\(expected .+\)/);
    });
  }

  it('maps parsed values to the library\'s RunOptions, only what was given', () => {
    const fast = scanRunArgv(['--timeout', '2', '--memory', '4.5', '--deny-read', '/a', '--deny-read', '/b',
      '--allow-write', '/w', '--env', 'A=1', '--env', 'PATH=/x', '--user', '1500', '--stdin', 'f', 'prog'])!;
    expect(toRunOptions(fast.values)).toEqual({
      timeout: 2, memory: Math.floor(4.5 * 1024 * 1024), config: { readDenyPaths: ['/a', '/b'], writeAllowPaths: ['/w'] },
      env: { PATH: '/x', A: '1' }, uid: 1500, gid: 1500, stdinFile: path.resolve('f'),
    });
    expect(toRunOptions({})).toEqual({});
  });

  it('makes the paths of options absolute, from the CLI\'s working directory', () => {
    const o = toRunOptions(scanRunArgv(['--deny-read', 'd', '--allow-write', './w', '--stdin', '../in', '--cwd', 'c', 'p'])!.values);
    expect(o).toMatchObject({ config: { readDenyPaths: [path.resolve('d')], writeAllowPaths: [path.resolve('w')] },
      stdinFile: path.resolve('../in'), cwd: path.resolve('c') });
  });

  it('keeps the default PATH when --env adds variables', () => {
    const env = toRunOptions(scanRunArgv(['--env', 'LANG=C', 'prog'])!.values).env!;
    expect(Object.keys(env).sort()).toEqual(['LANG', 'PATH']);
    expect(env.PATH).toMatch(/\/bin/);
  });

  it('names the flag for every library option the CLI sets', () => {
    for (const d of RUN_OPTIONS) {
      const keys = d.libraryKey === null ? [] : typeof d.libraryKey === 'string' ? [d.libraryKey] : d.libraryKey;
      for (const k of keys) expect(flagForLibraryOption(k)).toBe(d.flag);
    }
    expect(flagForLibraryOption('openFiles')).toBeNull();
  });

  it('finds --json among the CLI\'s own words only', () => {
    expect(jsonShapeFor(['--json', 'prog'])).toBe(errorToJson);
    expect(jsonShapeFor(['--timeout', '1', '--json', 'x'])).toBe(errorToJson);
    expect(jsonShapeFor(['prog', '--json'])).toBeNull();
    expect(jsonShapeFor(['--stdin', '--json', 'prog'])).toBeNull();
    expect(jsonShapeFor(['--', 'prog', '--json'])).toBeNull();
    expect(jsonShapeFor(['doctor', '--json'])).toBe(findCommand('doctor')!.errorJson);
    expect(jsonShapeFor(['judge', '--json', '--tests', 't', 'prog'])).toBe(findCommand('judge')!.errorJson);
  });
});
