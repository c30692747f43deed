/**
 * Attacks on the kernel's larger surfaces, through the public API: namespaces, mount, io_uring, bpf, keyrings,
 * System V IPC and POSIX message queues, and perf events. seccomp is what stops each of them (ERRNO(EPERM), src/seccomp/default-policy.ts). The
 * positive control runs the same fixture without the sandbox and sees the call succeed (mount inside
 * `unshare -rm`, so the control's tmpfs lives in a private mount namespace and never touches the machine's).
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { compile, expectDenied, expectSucceeded, isRoot, outcome, runFree, scratch, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let mnt: string;
const x64 = process.arch === 'x64';

beforeAll(async () => {
  s = scratch('kernel');
  bin = await compile(s, ['hostile/unshare_ns', 'hostile/mount_tmpfs', 'hostile/io_uring', 'hostile/bpf_map',
    'hostile/keyctl_add', 'hostile/perf_open', 'hostile/sysv_ipc', ...(x64 ? ['hostile/int80_socket', 'hostile/x32_socket'] : [])]);
  mnt = s.dir('mnt', { writable: true });
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

describe('kernel attack surface (seccomp)', () => {
  it('unshare(CLONE_NEWUSER|CLONE_NEWNS): works unsandboxed, EPERM in the sandbox', async () => {
    expect(outcome(runFree(bin.unshare_ns!).stdout, 'unshare(CLONE_NEWUSER|CLONE_NEWNS)')).toBe('0');
    expectDenied(await runExecutable(bin.unshare_ns!), 'unshare(CLONE_NEWUSER|CLONE_NEWNS)', 'EPERM');
  });

  it('mount(tmpfs): works unsandboxed in a private user+mount namespace, EPERM in the sandbox (seccomp; no CAP_SYS_ADMIN)', async () => {
    const free = runFree('unshare', ['-rm', '--propagation', 'private', bin.mount_tmpfs!, mnt]);
    expect(outcome(free.stdout, 'mount(tmpfs)'), free.stderr).toBe('0');
    expectDenied(await runExecutable(bin.mount_tmpfs!, [mnt]), 'mount(tmpfs)', 'EPERM');
  });

  it('io_uring_setup: works unsandboxed, EPERM in the sandbox', async () => {
    expectSucceeded(runFree(bin.io_uring!).stdout, 'io_uring_setup(8)');
    expectDenied(await runExecutable(bin.io_uring!), 'io_uring_setup(8)', 'EPERM');
  });

  it('bpf(BPF_MAP_CREATE): EPERM in the sandbox (control: works unsandboxed as root)', async () => {
    const free = runFree(bin.bpf_map!);
    // kernel.unprivileged_bpf_disabled refuses non-root users on most distributions: the control is root's.
    if (isRoot) expectSucceeded(free.stdout, 'bpf(BPF_MAP_CREATE)');
    expectDenied(await runExecutable(bin.bpf_map!), 'bpf(BPF_MAP_CREATE)', 'EPERM');
  });

  it('add_key to a kernel keyring: works unsandboxed, EPERM in the sandbox', async () => {
    expectSucceeded(runFree(bin.keyctl_add!).stdout, 'add_key(user,KEY_SPEC_PROCESS_KEYRING)');
    expectDenied(await runExecutable(bin.keyctl_add!), 'add_key(user,KEY_SPEC_PROCESS_KEYRING)', 'EPERM');
  });

  it('System V shm, semaphores, message queues and POSIX mq (objects that outlive the run): work unsandboxed, EPERM in the sandbox', async () => {
    // Regression: a program under --memory 100 left eight touched 64 MiB segments behind, 512 MiB the run's limit
    // never saw, and a loop of them would exhaust the machine.
    const calls = ['shmget(IPC_PRIVATE,1MiB)', 'semget(IPC_PRIVATE)', 'msgget(IPC_PRIVATE)', 'mq_open(O_CREAT)'];
    const queue = `/cp-sandbox-probe-${process.pid}`;
    const free = runFree(bin.sysv_ipc!, [queue]);
    for (const c of calls) expectSucceeded(free.stdout, c);
    const segments = () => fs.readFileSync('/proc/sysvipc/shm', 'latin1').trim().split('\n').length;
    const before = segments();
    const r = await runExecutable(bin.sysv_ipc!, [queue]);
    for (const c of calls) expectDenied(r, c, 'EPERM');
    expect(segments()).toBe(before);
  });

  it('perf_event_open on itself (user space only): works unsandboxed, EPERM in the sandbox', async () => {
    expectSucceeded(runFree(bin.perf_open!).stdout, 'perf_event_open(self)');
    expectDenied(await runExecutable(bin.perf_open!), 'perf_event_open(self)', 'EPERM');
  });
});

describe.runIf(x64)('foreign syscall ABIs on x86_64 (seccomp arch prologue: KILL_PROCESS)', () => {
  it('socket through int 0x80 (i386 ABI, nr 359): works unsandboxed, the program is killed with SIGSYS at the call', async () => {
    expectSucceeded(runFree(bin.int80_socket!).stdout, 'int80 socket(AF_INET,SOCK_STREAM)');
    const r = await runExecutable(bin.int80_socket!);
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGSYS', exitCode: null });
    expect(r.stdout.toString()).toBe('trying int 0x80 socket(AF_INET,SOCK_STREAM)\n');
  });

  it('socket through the x32 ABI (nr | 0x40000000): reaches the kernel unsandboxed, killed with SIGSYS in the sandbox', async () => {
    // Unsandboxed the kernel answers for itself: a socket where CONFIG_X86_X32_ABI is set, ENOSYS where not.
    expect(outcome(runFree(bin.x32_socket!).stdout, 'x32 socket(AF_INET,SOCK_STREAM)')).toMatch(/^(\d+|-1 ENOSYS)$/);
    const r = await runExecutable(bin.x32_socket!);
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGSYS', exitCode: null });
    expect(r.stdout.toString()).toBe('trying x32 socket(AF_INET,SOCK_STREAM)\n');
  });
});
