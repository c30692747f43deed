/**
 * Test worker: restricts ITS OWN thread with the default seccomp filter (no_new_privs first, then
 * installSeccompFilter, no TSYNC), then answers requests from the test: run raw syscalls through koffi, or
 * spawn a program with posix_spawn (which inherits the filter). Before installing, it runs the harmless
 * probes once unfiltered, so the test can show that each denial comes from the filter.
 *
 * No probe here can create a process or thread if the filter were missing: clone3 gets a NULL argument
 * block (EINVAL unfiltered), and nothing calls clone, fork or vfork (a forked child would return into
 * JavaScript, which cannot run there).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import koffi from 'koffi';
import { close, gettid, lastErrno, syscall6 } from '../../dist/native/libc.js';
import { prctl } from '../../dist/native/prctl.js';
import { compileDefaultFilter, hostArch, installSeccompFilter, syscallNumber } from '../../dist/seccomp/index.js';
import { spawnAndWait } from './spawn.mjs';

const PR_SET_NO_NEW_PRIVS = 38;
const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
const CLONE_NEWUSER = 0x10000000;
const AT_FDCWD = -100;
const O_RDWR = 2;
const arch = hostArch();

const nr = (name) => {
  const n = syscallNumber(name, arch);
  if (n === undefined) throw new Error(`${name} has no number on ${arch}`);
  return n;
};
/** A raw syscall; 64-bit values go in as bigint (two's complement for the top bit). */
function sys(name, ...args) {
  const a = [...args, 0, 0, 0, 0, 0, 0].slice(0, 6).map((v) => (typeof v === 'bigint' ? BigInt.asIntN(64, v) : v));
  const ret = Number(syscall6(nr(name), ...a));
  return { ret, errno: ret < 0 ? lastErrno() : 0 };
}

/** Native scratch memory the probes point the kernel at. */
const scratch = koffi.alloc('uint8_t', 256);
const scratchView = new Uint8Array(koffi.view(scratch, 256));
const at = (offset) => koffi.address(scratch) + BigInt(offset);
const PAIR = 0; // int[2]
const BYTE = 16; // one byte to send / inject
const WINSIZE = 32;
const SOCKADDR = 64; // struct sockaddr_un, family AF_UNIX, empty path
const PATH = 128;

const { processes, file, setNoNewPrivs = true, newListener = false, filterBytes } = workerData;
scratchView[BYTE] = 0x78;
scratchView[SOCKADDR] = AF_UNIX;
const pathBytes = Buffer.from(`${file}\0`);
if (pathBytes.length > 120) throw new Error('temp path too long for the scratch buffer');
scratchView.set(pathBytes, PATH);
const devnull = fs.openSync('/dev/null', O_RDWR);

/** The probes; each returns { ret, errno }. Run before (unfiltered) and after installing. */
function probes() {
  const out = {};
  const s = sys('socket', AF_INET, SOCK_STREAM, 0);
  if (s.ret >= 0) close(s.ret);
  out.socketInet = s;
  out.unshareUser = sys('unshare', CLONE_NEWUSER);
  out.clone3 = sys('clone3', 0, 0);
  out.ioctlTiocstiGarbage = sys('ioctl', devnull, 0xdeadbeef00005412n, at(BYTE));
  out.ioctlTiocsti = sys('ioctl', devnull, 0x5412, at(BYTE));
  out.ioctlTiocgwinsz = sys('ioctl', devnull, 0x5413, at(WINSIZE));
  out.personalityQuery = sys('personality', 0xffffffff);
  out.fchmodat = sys('fchmodat', AT_FDCWD, at(PATH), 0o600, 0);
  out.setresuidNoop = sys('setresuid', -1, -1, -1);
  out.getpid = sys('getpid');
  const pair = sys('socketpair', AF_UNIX, SOCK_STREAM, 0, at(PAIR));
  out.socketpair = pair;
  if (pair.ret === 0) {
    const view = new DataView(scratchView.buffer, scratchView.byteOffset);
    const [a, b] = [view.getInt32(PAIR, true), view.getInt32(PAIR + 4, true)];
    out.send = sys('sendto', a, at(BYTE), 1, 0, 0, 0);
    out.sendtoAddress = sys('sendto', a, at(BYTE), 1, 0, at(SOCKADDR), 2);
    out.recv = sys('recvfrom', b, at(BYTE + 1), 1, 0, 0, 0);
    close(a);
    close(b);
  }
  return out;
}

function probesAfterOnly() {
  // Only after installing: unfiltered, these would change this thread's persona.
  return { personalityAslrOff: sys('personality', 0x0040000) };
}

const port = parentPort;
try {
  const before = probes();
  if (setNoNewPrivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) {
    throw new Error(`prctl(PR_SET_NO_NEW_PRIVS) failed: errno ${lastErrno()}`);
  }
  const { listenerFd } = installSeccompFilter(filterBytes ?? compileDefaultFilter({ processes }), { newListener });
  const after = { ...probes(), ...probesAfterOnly() };
  port.postMessage({ type: 'ready', tid: gettid(), listenerFd, before, after });
} catch (e) {
  port.postMessage({ type: 'error', name: e?.name, message: e?.message, call: e?.call, errno: e?.errno });
}

port.on('message', (m) => {
  if (m.op === 'spawn') port.postMessage({ id: m.id, ...spawnAndWait(m.path, m.argv, m.out) });
  else if (m.op === 'probe') port.postMessage({ id: m.id, result: { ...probes(), ...probesAfterOnly() } });
});
