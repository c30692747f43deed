// Peer sandboxes, found on PATH only (the bench never installs anything). Each one runs a program under limits
// as close to ours as its flags allow (uid 65534, no_new_privs, the same rlimits where it has them). A peer that is
// installed but cannot run here (e.g. no user namespaces) gets a row saying why; it never fails the bench.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { run } from './util.mjs';

const isRoot = process.geteuid?.() === 0;
const MiB = 1024 * 1024;

/** The full path of `name` on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not here */ }
  }
  return null;
}

// The engine's defaults for a run with timeout 2 s (src/engine/options.ts, gate.ts runLimits): RLIMIT_CPU
// ceil(2)+1 s, data 2 x 1 GiB + 1 GiB, stack unlimited, file size 256 MiB, 64 files, 1 process, no core, no memlock.
const RLIMITS = ['--cpu=3', `--data=${3072 * MiB}`, '--stack=unlimited', `--fsize=${256 * MiB}`, '--nofile=64',
  '--nproc=1', '--core=0', '--memlock=0'];
const ISOLATE_BOX = 87;

export const PEERS = [
  {
    name: 'prlimit + setpriv',
    bins: ['setpriv', 'prlimit'],
    argv: (prog) => ['setpriv', [...(isRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups'] : []), '--no-new-privs',
      '--', 'prlimit', ...RLIMITS, '--', prog]],
  },
  {
    name: 'bubblewrap',
    bins: ['bwrap'],
    argv: (prog) => ['bwrap', ['--unshare-all', '--unshare-user', '--uid', '65534', '--gid', '65534', '--die-with-parent',
      '--new-session', '--cap-drop', 'ALL', '--clearenv', '--setenv', 'PATH', '/usr/bin:/bin',
      '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
      '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--chdir', '/tmp',
      '--', prog]],
  },
  {
    name: 'isolate',
    bins: ['isolate'],
    setup: async () => {
      const r = await run('isolate', [`--box-id=${ISOLATE_BOX}`, '--init']);
      if (r.code !== 0) throw new Error(`isolate --init: exit ${r.code}: ${firstLine(r.stderr)}`);
    },
    teardown: async () => { await run('isolate', [`--box-id=${ISOLATE_BOX}`, '--cleanup']); },
    argv: (prog) => ['isolate', [`--box-id=${ISOLATE_BOX}`, '--silent', '--processes=1', '--time=2', '--wall-time=2',
      `--mem=${1024 * 1024}`, `--fsize=${256 * 1024}`, '--open-files=64', '--run', '--', prog]],
  },
  {
    name: 'nsjail',
    bins: ['nsjail'],
    argv: (prog) => ['nsjail', ['--mode', 'o', '--really_quiet', '--chroot', '/', '--user', '65534', '--group', '65534',
      '--time_limit', '2', '--rlimit_cpu', '3', '--rlimit_as', '2048', '--rlimit_fsize', '256', '--rlimit_nofile', '64',
      '--', prog]],
  },
];

export function firstLine(s) {
  return (s.trim().split('\n')[0] ?? '').slice(0, 160);
}

/** The command line of a peer, as shown in docs/benchmarks.md. */
export function commandLine(peer, prog) {
  const [cmd, args] = peer.argv(prog);
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}

/**
 * Which peers can run here: { peer, state: 'ok' | 'not installed' | 'unusable here: ...' }. An installed peer is
 * tried once with /bin/true and must exit 0.
 */
export async function detectPeers() {
  const out = [];
  for (const peer of PEERS) {
    const missing = peer.bins.filter((b) => !which(b));
    if (missing.length) {
      out.push({ peer, state: `not installed (${missing.join(', ')} not on PATH)` });
      continue;
    }
    try {
      await peer.setup?.();
      const [cmd, args] = peer.argv('/bin/true');
      const r = await run(cmd, args, { timeoutMs: 10_000 });
      if (r.code !== 0) {
        await peer.teardown?.();
        out.push({ peer, state: `unusable here: exit ${r.code ?? r.signal}: ${firstLine(r.stderr)}` });
        continue;
      }
      out.push({ peer, state: 'ok' });
    } catch (e) {
      await peer.teardown?.().catch(() => undefined);
      out.push({ peer, state: `unusable here: ${e.message}` });
    }
  }
  return out;
}
