/**
 * The subcommands and the CLI's own flags: `doctor` (read-only report and verdict), `seccomp` (the filter a run
 * installs, as listing or raw bytes), --help and --version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_OPTIONS } from '../../dist/cli/options.js';
import { decode } from '../../dist/bpf/index.js';
import { ARCHES as CLI_ARCHES } from '../../dist/cli/commands.js';
import { filterActions, placeholderTid, runFilter } from '../../dist/cli/run-filter.js';
import { spawnerFilter } from '../../dist/engine/filter.js';
import { ARCHES as SECCOMP_ARCHES, AUDIT_ARCH } from '../../dist/seccomp/index.js';
import { BIN, cli, HANG_GUARD, isRoot, ROOT } from './helpers.js';

const hostArch = process.arch === 'x64' ? 'x86_64' : 'aarch64';

describe('--help and --version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toBe(`${pkg.version}\n`);
    }
  });

  it('--help shows every option, the subcommands, examples and exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.toString();
    for (const d of ROOT_OPTIONS) expect(help).toContain(d.flag);
    for (const word of ['doctor', 'seccomp', 'Examples:', 'Exit codes:', '124', '125', '126', '127']) {
      expect(help).toContain(word);
    }
  });

  it('each subcommand has its own --help', async () => {
    for (const sub of ['doctor', 'seccomp']) {
      const r = await cli([sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toContain(`simple-cp-sandbox ${sub}`);
    }
  });
});

describe('doctor', () => {
  it('reports the machine and ends with a verdict; exit 0 when the sandbox can run', async () => {
    const r = await cli(['doctor']);
    const text = r.stdout.toString();
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^verdict: /);
    expect(text).toContain(os.release());
    for (const name of ['landlock', 'seccomp', 'no_new_privs', 'user', 'gate', 'cgroup v2', 'self-test']) {
      expect(text).toMatch(new RegExp(`^(ok|fail|info)\\s+${name} `, 'm'));
    }
    const failed = lines.filter((l) => /^fail\s/.test(l));
    expect(r.code).toBe(failed.length === 0 ? 0 : 125);
    expect(lines.at(-1)).toBe(failed.length === 0 ? 'verdict: the sandbox can run on this machine' : lines.at(-1));
  });

  it('--landlock-abi N: the landlock check and the self-test use at most that ABI, and every protection names its enforcer', async () => {
    for (const abi of [3, 5]) {
      const r = await cli(['doctor', '--json', '--landlock-abi', String(abi)]);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout.toString()) as {
        enforced: { landlock: { abi: number; pinned: number | null } };
        checks: Array<{ name: string; details: { abi?: number; pinned?: number; protections?: Array<{ protection: string; enforcedBy: string }> } }>;
      };
      const l = report.checks.find((c) => c.name === 'landlock')!.details;
      expect(l).toMatchObject({ abi, pinned: abi });
      expect(report.enforced.landlock).toMatchObject({ abi, pinned: abi });
      const signals = l.protections!.find((p) => p.protection.startsWith('signal'))!;
      expect(signals.enforcedBy).toMatch(/^the program filter/);
      const ioctl = l.protections!.find((p) => p.protection.startsWith('ioctl'))!;
      expect(ioctl.enforcedBy).toMatch(abi < 5 ? /^the program filter/ : /^Landlock IOCTL_DEV/);
    }
    const text = (await cli(['doctor', '--landlock-abi', '4'])).stdout.toString();
    expect(text).toMatch(/what enforces each protection at ABI 4:/);
    expect(text).toMatch(/cannot signal a process outside its run\s+the program filter/);
    const bad = await cli(['doctor', '--landlock-abi', '2']);
    expect(bad.code).toBe(125);
    expect(bad.stderr.toString()).toMatch(/--landlock-abi.*"2".*from 3 to 7/);
  });

  it('--json with a bad option: the report\'s shape with error set, exit 125', async () => {
    const r = await cli(['doctor', '--json', '--bogus']);
    expect(r.code).toBe(125);
    const report = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: false, checks: [], enforced: null });
    expect(report.error).toMatch(/unknown option '--bogus'/);
    expect(report).not.toHaveProperty('status');
  });

  it('--json: one object whose facts match this machine and the run it tests', async () => {
    const r = await cli(['doctor', '--json']);
    const report = JSON.parse(r.stdout.toString()) as {
      ok: boolean; verdict: string; enforced: { uid: number; seccomp: { instructions: number } } | null;
      checks: Array<{ name: string; status: string; details: Record<string, unknown> }>;
    };
    expect(r.code).toBe(report.ok ? 0 : 125);
    const check = (name: string) => report.checks.find((c) => c.name === name)!;
    expect(check('platform').details.kernel).toBe(os.release());
    expect(check('user').details.euid).toBe(process.geteuid!());
    expect(check('user').details.programUid).toBe(isRoot ? 65534 : process.geteuid!());
    expect(check('gate')).toMatchObject({ status: 'ok', details: { path: expect.stringMatching(/\/dist\/gate\/gate$/) } });
    expect(check('gate').details.size).toBe(statSync(check('gate').details.path as string).size);
    const abi = check('landlock').details.abi as number;
    expect(abi).toBeGreaterThanOrEqual(3);
    if (report.ok) {
      expect(check('self-test').status).toBe('ok');
      expect(report.enforced!.uid).toBe(check('user').details.programUid);
      const filter = runFilter(hostArch, 1).bytes;
      expect(check('seccomp').details.instructions).toBe(filter.byteLength / 8);
      expect(report.enforced!.seccomp.instructions).toBe(filter.byteLength / 8);
      expect(check('seccomp').details.actions).toEqual(filterActions(filter));
    }
  });

  it('exits 125 with what is missing when a run cannot work here', () => {
    // A runner whose hard stack limit is below what a run sets: the self-test cannot run, so neither could a run.
    const run = spawnSync('/bin/sh', ['-c', 'ulimit -Hs 8192; exec "$@"', 'sh', process.execPath, BIN, 'doctor'],
      { encoding: 'utf8', ...HANG_GUARD });
    expect(run.status).toBe(125);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^fail\s+self-test /));
    expect(lines.at(-1)).toMatch(/^verdict: the sandbox cannot run on this machine: .*self-test: /);
  });

  it('with --json given before the subcommand too', async () => {
    const r = await cli(['--json', 'doctor']);
    const report = JSON.parse(r.stdout.toString()) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(report.ok).toBe(true);
    expect(r.code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual(['platform', 'landlock', 'seccomp', 'no_new_privs', 'user', 'gate', 'pid 1', 'cgroup v2', 'self-test']);
  });
});

describe('filterActions (the doctor\'s reading of a filter)', () => {
  /** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, little-endian. */
  function insn(code: number, k: number): number[] {
    return [code & 0xff, code >> 8, 0, 0, k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24];
  }
  it('names each distinct SECCOMP_RET_* action, errno values by name', () => {
    const bytes = Uint8Array.from([
      ...insn(0x20, 0), // BPF_LD|BPF_W|BPF_ABS: not a return
      ...insn(0x06, 0x7fff0000), ...insn(0x06, 0x00050000 | 38), ...insn(0x06, 0x00050000 | 1),
      ...insn(0x06, 0x80000000), ...insn(0x06, 0x7fff0000), ...insn(0x06, 0x7fc00000),
    ]);
    expect(filterActions(bytes)).toEqual(['allow', 'errno(ENOSYS)', 'errno(EPERM)', 'kill_process', 'user_notif']);
  });
});

describe('seccomp', () => {
  /** Runs `seccomp ARGS` and returns its output with the CLI's pid (the runner pid a run from it would use). */
  async function seccomp(args: string[]): Promise<{ code: number | null; out: Buffer; pid: number }> {
    let pid = 0;
    const r = await cli(['seccomp', ...args], { onSpawn: (p) => { pid = p; } });
    return { code: r.code, out: r.stdout, pid };
  }

  it('--raw writes exactly the filter the engine installs for a run', async () => {
    for (const processes of [1, 4]) {
      const r = await seccomp(['--raw', '--processes', String(processes)]);
      expect(r.code).toBe(0);
      const installed = spawnerFilter({ processes, runnerPid: r.pid, spawnerTid: placeholderTid() });
      expect(r.out.equals(Buffer.from(installed))).toBe(true);
    }
  });

  it('--arch compiles for the other architecture (its AUDIT_ARCH in the prologue)', async () => {
    const other = hostArch === 'x86_64' ? 'aarch64' : 'x86_64';
    const r = await seccomp(['--raw', '--arch', other]);
    expect(r.code).toBe(0);
    const prog = decode(r.out);
    expect(prog[0]).toMatchObject({ code: 0x20, k: 4 }); // ld [4]: seccomp_data.arch
    expect(prog[1]).toMatchObject({ code: 0x15, k: AUDIT_ARCH[other] });
  });

  it('prints a listing of the same instructions, saying which ids it holds', async () => {
    const raw = await seccomp(['--raw', '--processes', '2']);
    const r = await seccomp(['--processes', '2']);
    expect(r.code).toBe(0);
    const lines = r.out.toString().trimEnd().split('\n');
    const header = lines.filter((l) => l.startsWith(';'));
    const body = lines.filter((l) => !l.startsWith(';'));
    expect(header.join('\n')).toContain(`runner pid ${r.pid}`);
    expect(header.join('\n')).toContain('with processes 2,');
    expect(body.length).toBe(raw.out.length / 8);
    body.forEach((l, i) => expect(l.startsWith(` ${String(i).padStart(4, '0')}: `)).toBe(true));
  });

  it('rejects an unknown architecture and a bad process count with exit 125', async () => {
    const a = await cli(['seccomp', '--arch', 'sparc']);
    expect(a.code).toBe(125);
    expect(a.stderr.toString()).toMatch(/--arch.*"sparc".*x86_64, aarch64/);
    const p = await cli(['seccomp', '--processes', '0']);
    expect(p.code).toBe(125);
    expect(p.stderr.toString()).toMatch(/--processes.*"0"/);
  });

  it('knows the architectures the seccomp module knows', () => {
    expect([...CLI_ARCHES]).toEqual([...SECCOMP_ARCHES]);
  });
});
