/**
 * `simple-cp-sandbox doctor`: what this machine supports and what a run would enforce, ending in a verdict
 * (exit 0 when the sandbox can run, 125 with what is missing otherwise).
 *
 * Read-only by construction: it reads /proc and /sys, asks the kernel for its Landlock ABI (a version query that
 * restricts nothing), compiles the seccomp filter as data, and checks cgroup writability with access(2) only —
 * it never creates or writes anything under /sys/fs/cgroup. The one thing it runs is the self-test: /bin/true
 * through the library with the default options, which proves a run works here and reports what it enforced.
 */
import { accessSync, constants as fsc, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILT_GATE, reachable } from '../engine/gate.js';
import { DEFAULTS, effectiveOptions, isRoot } from '../engine/options.js';
import type { Enforcement } from '../engine/types.js';
import type { SupportedAbi } from '../landlock/abi.js';
import { HOST_ARCH } from '../native/arch.js';
import { oneLine } from '../util/text.js';
import { loadEngine } from './load-engine.js';
import { ExitCode } from './exit-codes.js';
import { writeAll } from './io.js';
import type { CommandContext } from './types.js';

type CheckStatus = 'ok' | 'fail' | 'info';

interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  /** One line. */
  readonly summary: string;
  /** Further lines for the text report. */
  readonly lines: readonly string[];
  /** The facts, for --json. */
  readonly data: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  verdict: string;
  checks: Array<{ name: string; status: CheckStatus; summary: string; details: Record<string, unknown> }>;
}

function errorText(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e));
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function statusField(name: string): string | null {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(readText('/proc/self/status') ?? '');
  return m ? m[1]!.trim() : null;
}

function platformCheck(): Check {
  const arch = HOST_ARCH;
  const data = { kernel: os.release(), kernelVersion: os.version(), arch: arch ?? process.arch, node: process.versions.node };
  const ok = os.platform() === 'linux' && arch === 'x86_64';
  return {
    name: 'platform', status: ok ? 'ok' : 'fail',
    summary: `${os.type()} ${data.kernel} ${data.arch}, Node ${data.node}`
      + (ok ? '' : ' — the sandbox supports Linux x86_64 only'),
    lines: [], data,
  };
}

async function landlockCheck(atMost: SupportedAbi | null): Promise<Check> {
  try {
    const { describeLandlock } = await import('../landlock/index.js');
    const { protectionsAt } = await import('../engine/protections.js');
    const l = describeLandlock(undefined, { atMost });
    const protections = protectionsAt(l.abi as SupportedAbi);
    const width = Math.max(...protections.map((p) => p.protection.length));
    const lines = [
      `filesystem rights: ${l.fsRights.join(' ')}`,
      `network rights:    ${l.netRights.length ? l.netRights.join(' ') : 'none (TCP is left to seccomp)'}`,
      `scopes:            ${l.scopes.length ? l.scopes.join(' ') : 'none'}`,
      ...l.missing.map((m) => `not in Landlock at this ABI: ${m}`),
      ...l.notes.map((n) => `note: ${n}`),
      `what enforces each protection at ABI ${l.abi}:`,
      ...protections.map((p) => `  ${`cannot ${p.protection}`.padEnd(width + 7)}  ${p.enforcedBy}`),
    ];
    const pin = l.pinned === null ? '' : `, pinned to at most ${l.pinned} with --landlock-abi`;
    return {
      name: 'landlock', status: 'ok', summary: `ABI ${l.abi} used (kernel ABI ${l.kernelAbi}${pin})`, lines,
      data: { abi: l.abi, kernelAbi: l.kernelAbi, pinned: l.pinned, fsRights: l.fsRights, netRights: l.netRights,
        scopes: l.scopes, missing: l.missing, notes: l.notes, protections },
    };
  } catch (e) {
    return { name: 'landlock', status: 'fail', summary: errorText(e), lines: [], data: { error: errorText(e) } };
  }
}

async function seccompCheck(): Promise<Check> {
  const mode = statusField('Seccomp');
  const available = (readText('/proc/sys/kernel/seccomp/actions_avail') ?? '').trim().split(/\s+/).filter(Boolean);
  const arch = HOST_ARCH;
  if (mode === null) {
    return { name: 'seccomp', status: 'fail', summary: 'the kernel has no seccomp (no Seccomp: line in /proc/self/status)',
      lines: [], data: { kernelSupport: false } };
  }
  if (arch === null) {
    return { name: 'seccomp', status: 'fail', summary: `no filter for architecture ${process.arch}`, lines: [],
      data: { kernelSupport: true, actionsAvailable: available } };
  }
  try {
    const { filterActions, runFilter } = await import('./run-filter.js');
    const filter = runFilter(arch, 1);
    const actions = filterActions(filter.bytes);
    const unavailable = actions.map((a) => a.replace(/\(.*$/, '')).filter((a) => available.length > 0 && !available.includes(a));
    const instructions = filter.program.length;
    const data = { kernelSupport: true, arch, processes: 1, instructions, bytes: filter.bytes.byteLength, actions,
      actionsAvailable: available, unavailable };
    return {
      name: 'seccomp', status: unavailable.length ? 'fail' : 'ok',
      summary: `filter for --processes 1 (${arch}): ${instructions} instructions; actions: ${actions.join(', ')}`,
      lines: [
        `kernel actions available: ${available.length ? available.join(' ') : 'unknown (no /proc/sys/kernel/seccomp/actions_avail)'}`,
        ...(unavailable.length ? [`missing: the kernel lacks ${unavailable.join(', ')}`] : []),
        'see it: simple-cp-sandbox seccomp',
      ],
      data,
    };
  } catch (e) {
    return { name: 'seccomp', status: 'fail', summary: `the filter could not be compiled: ${errorText(e)}`, lines: [],
      data: { kernelSupport: true, error: errorText(e) } };
  }
}

function noNewPrivsCheck(): Check {
  const field = statusField('NoNewPrivs');
  const ok = field !== null;
  return {
    name: 'no_new_privs', status: ok ? 'ok' : 'fail',
    summary: ok ? 'set on the spawner thread before the seccomp filter; every program inherits it (setuid bits and file '
      + 'capabilities do not apply)' : 'the kernel does not report NoNewPrivs in /proc/self/status',
    lines: [], data: { kernelSupport: ok, thisProcess: field === '1' },
  };
}

function userCheck(): Check {
  const uid = process.getuid!();
  const euid = process.geteuid!();
  let name = String(euid);
  try { name = os.userInfo().username; } catch { /* a uid without a passwd entry */ }
  const root = euid === 0;
  const runsAs = root ? { uid: DEFAULTS.uid, gid: DEFAULTS.gid } : { uid: euid, gid: process.getegid!() };
  return {
    name: 'user', status: 'ok',
    summary: `running as ${name} (uid ${uid}, euid ${euid}); programs run as uid ${runsAs.uid}, gid ${runsAs.gid}`
      + (root ? ' (--user UID[:GID] to change)' : ' (your own user: --user needs root)'),
    lines: root ? [] : ['programs can read what your user can read, except what --deny-read and the defaults hide'],
    data: { uid, euid, name, root, programUid: runsAs.uid, programGid: runsAs.gid },
  };
}

/** The gate binary every run starts through (built from src/gate/gate.c), and whether the program's user reaches it. */
function gateCheck(): Check {
  let size: number;
  try {
    const st = statSync(BUILT_GATE);
    if (!st.isFile()) throw new Error('not a regular file');
    accessSync(BUILT_GATE, fsc.X_OK);
    size = st.size;
  } catch (e) {
    return { name: 'gate', status: 'fail', summary: `${BUILT_GATE} is unusable (${errorText(e)}): build it with npm run build `
      + '(needs gcc and libc6-dev)', lines: [], data: { path: BUILT_GATE, error: errorText(e) } };
  }
  const uid = isRoot ? DEFAULTS.uid : process.getuid!();
  const gid = isRoot ? DEFAULTS.gid : process.getgid!();
  const direct = !isRoot || reachable(BUILT_GATE, uid, gid);
  return {
    name: 'gate', status: 'ok',
    summary: `${BUILT_GATE} (${size} bytes)${direct ? '' : `: uid ${uid} cannot reach it, so runs use a copy in ${os.tmpdir()}`}`,
    lines: [], data: { path: BUILT_GATE, size, reachable: direct },
  };
}

/**
 * Whether the runner is the init of its pid namespace (a container started without --init): orphans of programs are
 * then its children, and Node reaps only its own; they stay zombies until the container ends.
 */
function initCheck(): Check {
  const pid1 = process.pid === 1;
  return {
    name: 'pid 1', status: 'info',
    summary: pid1 ? 'this process is pid 1 of its pid namespace: what programs leave is killed, but stays a zombie (Node '
      + 'reaps only its own children); start the container with --init (docker run --init)'
      : 'not the init of its pid namespace (orphans go to an init that reaps them)',
    lines: [], data: { pid1 },
  };
}

/** The cgroup v2 hierarchy of this process, if one is mounted: read-only probing (files read, access(2)). */
function cgroupCheck(): Check {
  const line = (readText('/proc/self/cgroup') ?? '').split('\n').find((l) => l.startsWith('0::'));
  const mount = (readText('/proc/self/mountinfo') ?? '').split('\n')
    .map((l) => l.split(' - '))
    .filter(([, tail]) => tail?.startsWith('cgroup2 '))
    .map(([head]) => head!.split(' '))
    .map((f) => ({ root: f[3]!, point: f[4]! }))[0];
  if (line === undefined || mount === undefined) {
    return { name: 'cgroup v2', status: 'info', summary: 'not available to this process (not used: peak memory comes from '
      + 'the gate\'s wait4, limits from rlimits)', lines: [], data: { available: false } };
  }
  const rel = line.slice(3).trim();
  const within = mount.root === '/' ? rel : path.relative(mount.root, rel);
  const dir = path.join(mount.point, within.startsWith('..') ? '' : within);
  const controllers = (readText(path.join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
  let writable = false;
  try {
    accessSync(dir, fsc.W_OK);
    writable = true;
  } catch { /* not delegated */ }
  const hybrid = mount.point !== '/sys/fs/cgroup';
  return {
    name: 'cgroup v2', status: 'info',
    summary: `${hybrid ? 'hybrid (v1 + v2), ' : ''}v2 at ${mount.point}, this process in ${rel}; controllers: `
      + `${controllers.length ? controllers.join(' ') : 'none'}; writable (access(2)): ${writable ? 'yes' : 'no'}`,
    lines: ['not used by the sandbox: peak memory comes from the gate\'s wait4, limits from rlimits'],
    data: { available: true, mountPoint: mount.point, hybrid, cgroup: rel, directory: dir, controllers, writable, used: false },
  };
}

async function selfTest(atMost: SupportedAbi | null): Promise<{ check: Check; enforced: Enforcement | null }> {
  const program = '/bin/true';
  try {
    const { runExecutable } = await loadEngine();
    const r = await runExecutable(program, [], { timeout: 5, ...(atMost === null ? {} : { landlockAbi: atMost }) });
    const ok = r.status === 'OK';
    const lines: string[] = [];
    if (r.enforced) {
      const e = r.enforced;
      lines.push(`enforced: Landlock ABI ${e.landlock.abi} (${e.landlock.rules} rules), seccomp ${e.seccomp.instructions} `
        + `instructions and the program's own ${e.seccomp.programInstructions} (${e.seccomp.arch}, --processes `
        + `${e.seccomp.processes}), no_new_privs, uid ${e.uid} gid ${e.gid}`);
      lines.push(`rlimits: ${Object.entries(e.rlimits).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    }
    return {
      check: {
        name: 'self-test', status: ok ? 'ok' : 'fail',
        summary: ok ? `${program} ran in the sandbox: OK in ${(r.wallTime * 1000).toFixed(1)} ms`
          : `${program} in the sandbox ended ${r.status}`
            + `${r.signal ? ` (${r.signal})` : r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`,
        lines,
        data: { program, status: r.status, exitCode: r.exitCode, signal: r.signal, wallTime: r.wallTime, error: null },
      },
      enforced: r.enforced,
    };
  } catch (e) {
    return { check: { name: 'self-test', status: 'fail', summary: `${program} could not run in the sandbox: ${errorText(e)}`,
      lines: [], data: { program, error: errorText(e) } }, enforced: null };
  }
}

export async function doctor(atMost: SupportedAbi | null = null): Promise<{ report: DoctorReport; checks: Check[]; enforced: Enforcement | null }> {
  const checks = [platformCheck(), await landlockCheck(atMost), await seccompCheck(), noNewPrivsCheck(), userCheck(), gateCheck(),
    initCheck(), cgroupCheck()];
  const test = await selfTest(atMost);
  checks.push(test.check);
  const failed = checks.filter((c) => c.status === 'fail');
  const verdict = failed.length === 0 ? 'the sandbox can run on this machine'
    : `the sandbox cannot run on this machine: ${failed.map((c) => `${c.name}: ${c.summary}`).join('; ')}`;
  return {
    report: {
      ok: failed.length === 0,
      verdict,
      checks: checks.map((c) => ({ name: c.name, status: c.status, summary: c.summary, details: c.data })),
    },
    checks,
    enforced: test.enforced,
  };
}

function textReport(checks: readonly Check[], report: DoctorReport): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const pad = ' '.repeat(6 + width + 2);
  const out: string[] = [];
  for (const c of checks) {
    out.push(`${c.status.padEnd(6)}${c.name.padEnd(width)}  ${c.summary}`);
    for (const l of c.lines) out.push(`${pad}${l}`);
  }
  out.push(`verdict: ${report.verdict}`);
  return `${out.join('\n')}\n`;
}

export async function run({ values, io }: CommandContext): Promise<number> {
  // --landlock-abi, else SIMPLE_CP_SANDBOX_LANDLOCK_ABI (a bad value of it is the usual InvalidOptionError), else none.
  const atMost = (values.landlockAbi as SupportedAbi | undefined) ?? effectiveOptions({}).landlockAbi;
  const { report, checks, enforced } = await doctor(atMost);
  if (values.json === true) await writeAll(io.stdout, `${JSON.stringify({ ...report, enforced })}\n`);
  else await writeAll(io.stdout, textReport(checks, report));
  return report.ok ? 0 : ExitCode.SANDBOX;
}
