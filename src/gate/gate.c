/*
 * The gate: the first process of every run, spawned by a restricted spawner thread (src/engine/spawner-worker.ts)
 * and so already inside the run's Landlock domain, credentials, no_new_privs and seccomp filter. It does what
 * neither JavaScript nor a shell can do between a fork and the program's exec:
 *
 *   1. sets the run's resource limits on itself (inherited by the program), RLIMIT_CPU in its child only;
 *   2. starts the program's process with clone(CLONE_VM | CLONE_VFORK | SIGCHLD), so that its high-water mark
 *      starts from this small process's and not from the runner's (ru_maxrss keeps the largest address space a
 *      process ever replaced at exec: a program started straight from Node would report Node's peak);
 *   3. in that child, before the exec: the final RLIMIT_NPROC, a process group of its own (the group the runner
 *      kills), its pid to the runner, and then, at the runner's word, a second Landlock layer that the runner
 *      built for that pid (it lets the program read its own /proc/PID and nothing else of /proc/PID) and the
 *      program's own seccomp filter (src/engine/program-filter.ts: no setsid/setpgid; below Landlock ABI 6, signals
 *      only to the run's own processes), then exec;
 *   4. in the gate: waits for the program (and watches the runner: if the runner's end of fd 3 closes, the
 *      runner is gone and the program's group is killed), answers the program filter's notifications when it has
 *      a listener (a signal of the run aimed at another of its processes: allowed only into the run's group), kills
 *      what the program left in its group, and reports its exit status and exact rusage.
 *
 * Protocol on fd 3, a unix stream socket to the runner (one line each, decimal numbers):
 *   child -> runner   "p PID"                      limits set, own group, waiting for the word
 *   runner -> child   'g', FLAGS, N (16 bits, little-endian), then N struct sock_filter: the program's filter;
 *                     with SCM_RIGHTS the Landlock ruleset to restrict itself with (both required). FLAGS bit 0:
 *                     install the filter with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER), answered by the gate
 *   gate  -> runner   "s"                          the program was exec'd, every restriction in place
 *   gate  -> runner   "x WSTATUS UTIME_US STIME_US MAXRSS_KB"   the program's end (wait4)
 *   any   -> runner   "f CALL ERRNO"               a step failed; the program never runs (exit 125)
 *   gate  -> runner   "e ERRNO"                    execve failed
 * argv: gate 2 CPU DATA STACK FSIZE NOFILE NPROC SIGPIPE LISTENER -- PROGRAM [ARGS...]   (2: the protocol's version; a limit is a
 * decimal number or "u", unlimited; CPU in seconds, sizes in bytes; NPROC is the program's).
 *
 * Every call is checked; any failure ends the gate or the child with 125 before the program could run. Built
 * static (scripts/build-gate.mjs), so its exec opens no library and its address space stays small.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
/* BPF_MAXINSNS (include/uapi/linux/bpf_common.h): the most instructions a filter may have. */
#define MAX_INSNS 4096
/* The word's flags. */
#define WORD_LISTENER 1

#include "notify.h"

#define SOCK 3
#define fail gate_fail
#define EXIT_SETUP 125

extern char **environ;

/* Writes one line to the runner; a failure to report is itself a failure of the gate. */
static void say(const char *fmt, long long a, long long b, long long c, long long d, long long e) {
  char line[200];
  int n = snprintf(line, sizeof line, fmt, a, b, c, d, e);
  if (n <= 0 || (size_t)n >= sizeof line) _exit(EXIT_SETUP);
  for (int off = 0; off < n;) {
    ssize_t w = send(SOCK, line + off, (size_t)(n - off), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(EXIT_SETUP);
    off += (int)w;
  }
}

_Noreturn void gate_fail(const char *call, int err) {
  char line[160];
  int n = snprintf(line, sizeof line, "f %s %d\n", call, err);
  if (n > 0 && (size_t)n < sizeof line) (void)send(SOCK, line, (size_t)n, MSG_NOSIGNAL);
  _exit(EXIT_SETUP);
}

/* A limit as the runner wrote it: a decimal number, or "u" for RLIM_INFINITY. */
static rlim_t limit_arg(const char *s) {
  if (strcmp(s, "u") == 0) return RLIM_INFINITY;
  if (*s == '\0') fail("argv", EINVAL);
  rlim_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') fail("argv", EINVAL);
    rlim_t next = v * 10 + (rlim_t)(*p - '0');
    if (next / 10 != v) fail("argv", ERANGE);
    v = next;
  }
  return v;
}

/* setrlimit with soft = hard = value (a limit can then only be lowered), checked by reading it back. */
static void set_limit(int resource, const char *name, rlim_t value) {
  struct rlimit want = { value, value }, got;
  if (setrlimit(resource, &want) != 0) fail(name, errno);
  if (getrlimit(resource, &got) != 0) fail(name, errno);
  if (got.rlim_cur != value || got.rlim_max != value) fail(name, EINVAL);
}

struct child_args {
  char **argv;
  rlim_t nproc;
  rlim_t cpu;
  /* Set by the child, read by the gate once clone returns (CLONE_VM: the same memory; CLONE_VFORK: the gate
   * resumes only after the child's exec or exit). */
  int ignore_sigpipe;
  volatile int ready_to_exec;
  volatile int exec_errno;
  /* LISTENER was 'l': the program filter comes with a listener, and the child shares the gate's fd table
   * (CLONE_FILES) until its exec, so that the gate has it. */
  int with_listener;
  /* The listener, set by the child, or -1. */
  volatile int listener;
};

static char child_stack[256 * 1024] __attribute__((aligned(16)));
static struct sock_filter program_filter[MAX_INSNS];

/* Reads exactly n bytes from the runner; anything less means no word: the program never runs. */
static void read_full(void *buf, size_t n) {
  for (size_t off = 0; off < n;) {
    ssize_t r = read(SOCK, (char *)buf + off, n - off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) _exit(EXIT_SETUP);
    off += (size_t)r;
  }
}

/* The program's process, before its exec. Runs on its own stack in the gate's memory (CLONE_VM | CLONE_VFORK):
 * only system calls here. */
static int child(void *p) {
  struct child_args *a = p;
  set_limit(RLIMIT_NPROC, "setrlimit(RLIMIT_NPROC)", a->nproc);
  /* The CPU backstop is the program's alone: the gate, which answers the program filter's questions on its own CPU,
   * must not die of it before the program (the runner kills the group at the CPU limit, counting the gate's time). */
  set_limit(RLIMIT_CPU, "setrlimit(RLIMIT_CPU)", a->cpu);
  if (setpgid(0, 0) != 0) fail("setpgid", errno);
  say("p %lld\n", (long long)getpid(), 0, 0, 0, 0);

  /* The runner's word: 'g', flags, the filter's length, with the ruleset fd (SCM_RIGHTS); then the filter. The fd
   * comes with the first byte, so the first recvmsg has it. */
  unsigned char head[4] = { 0 };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = { head, sizeof head };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  ssize_t r;
  do r = recvmsg(SOCK, &msg, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
  if (r <= 0 || head[0] != 'g' || (msg.msg_flags & MSG_CTRUNC)) _exit(EXIT_SETUP); /* no word: never run */
  /* The word must carry the layer: a program never runs without it. */
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
    fail("recvmsg", EPROTO);
  }
  int ruleset;
  memcpy(&ruleset, CMSG_DATA(c), sizeof ruleset);
  /* And the program's filter, of the kind argv announced (with a listener or not). */
  if ((size_t)r < sizeof head) read_full(head + r, sizeof head - (size_t)r);
  unsigned flags = head[1];
  unsigned insns = (unsigned)head[2] | ((unsigned)head[3] << 8);
  if ((flags & ~WORD_LISTENER) != 0 || insns == 0 || insns > MAX_INSNS || !(flags & WORD_LISTENER) != !a->with_listener) {
    fail("word", EPROTO);
  }
  read_full(program_filter, insns * sizeof program_filter[0]);
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) fail("landlock_restrict_self", errno);
  if (close(ruleset) != 0) fail("close", errno);
  /* An ignored signal stays ignored across exec: the program then gets EPIPE, not SIGPIPE (an interactor). */
  if (a->ignore_sigpipe && signal(SIGPIPE, SIG_IGN) == SIG_ERR) fail("signal(SIGPIPE)", errno);
  /* The program's own filter, last: from here on no setsid/setpgid (and below Landlock ABI 6, signals only into the
   * run). no_new_privs is set (the spawner thread's), so no privilege is needed. */
  struct sock_fprog prog = { .len = (unsigned short)insns, .filter = program_filter };
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (flags & WORD_LISTENER) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
  if (fd < 0) fail("seccomp", errno);
  if (flags & WORD_LISTENER) {
    /* The gate has it (the same fd table); the program must not (it could answer its own calls): the exec gives the
     * program a copy of the table without close-on-exec fds, so that flag is checked here. */
    int fdflags = fcntl((int)fd, F_GETFD);
    if (fdflags < 0 || (!(fdflags & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, fdflags | FD_CLOEXEC) != 0)) fail("fcntl(F_SETFD)", errno);
    a->listener = (int)fd;
  }
  a->ready_to_exec = 1;
  execve(a->argv[0], a->argv, environ);
  a->exec_errno = errno;
  _exit(127);
}

int main(int argc, char **argv) {
  /* gate 2 CPU DATA STACK FSIZE NOFILE NPROC SIGPIPE LISTENER -- PROGRAM [ARGS...]; SIGPIPE is d (default) or i
   * (ignored); LISTENER is l (the program filter has a listener, which the gate answers) or - */
  if (argc < 12 || strcmp(argv[1], "2") != 0 || strcmp(argv[10], "--") != 0) fail("argv", EINVAL);
  if (strcmp(argv[8], "d") != 0 && strcmp(argv[8], "i") != 0) fail("argv", EINVAL);
  if (strcmp(argv[9], "l") != 0 && strcmp(argv[9], "-") != 0) fail("argv", EINVAL);
  set_limit(RLIMIT_DATA, "setrlimit(RLIMIT_DATA)", limit_arg(argv[3]));
  set_limit(RLIMIT_STACK, "setrlimit(RLIMIT_STACK)", limit_arg(argv[4]));
  set_limit(RLIMIT_FSIZE, "setrlimit(RLIMIT_FSIZE)", limit_arg(argv[5]));
  set_limit(RLIMIT_NOFILE, "setrlimit(RLIMIT_NOFILE)", limit_arg(argv[6]));
  set_limit(RLIMIT_CORE, "setrlimit(RLIMIT_CORE)", 0);
  set_limit(RLIMIT_MEMLOCK, "setrlimit(RLIMIT_MEMLOCK)", 0);
  /* No real-time scheduling, whatever the runner's own RLIMIT_RTPRIO: a SCHED_FIFO busy loop would starve the
   * runner's threads on that core until RLIMIT_CPU. */
  set_limit(RLIMIT_RTPRIO, "setrlimit(RLIMIT_RTPRIO)", 0);
  struct child_args a = { .argv = argv + 11, .nproc = limit_arg(argv[7]), .cpu = limit_arg(argv[2]), .ignore_sigpipe = argv[8][0] == 'i',
                          .ready_to_exec = 0, .exec_errno = 0, .with_listener = argv[9][0] == 'l', .listener = -1 };

  /* The program keeps fd 3 until its exec, and not after. */
  if (fcntl(SOCK, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl(F_SETFD)", errno);
  /* With a listener, CLONE_FILES: the child's listener lands in this fd table, and the program's exec unshares the
   * table (its copy loses the listener, close-on-exec). Only runs of more than one process have one, and their
   * filter allows any clone without CLONE_NEW* flags; with one process the clone is exactly posix_spawn's. */
  int clone_flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (a.with_listener ? CLONE_FILES : 0);
  pid_t pid = clone(child, child_stack + sizeof child_stack, clone_flags, &a);
  if (pid < 0) fail("clone", errno);
  /* Here the child has exec'd the program, or ended before (it said why, or got no word: nothing ran). */
  if (!a.ready_to_exec) {
    (void)waitpid(pid, NULL, 0);
    _exit(EXIT_SETUP);
  }
  if (a.exec_errno != 0) {
    say("e %lld\n", a.exec_errno, 0, 0, 0, 0);
    (void)waitpid(pid, NULL, 0);
    _exit(EXIT_SETUP);
  }
  int listener = a.listener;
  if (a.with_listener && listener < 0) { kill(-pid, SIGKILL); fail("seccomp", EPROTO); }
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    int err = errno;
    kill(-pid, SIGKILL);
    fail("pidfd_open", err);
  }
  /* The program's streams are the program's: the gate holds none of them (a reader sees EOF when it exits). */
  for (int fd = 0; fd <= 2; fd++) (void)close(fd);
  say("s\n", 0, 0, 0, 0, 0);

  /* A negative fd is left out by poll: no listener, or one whose tasks are all gone. */
  struct pollfd fds[3] = { { pidfd, POLLIN, 0 }, { SOCK, POLLIN | POLLRDHUP, 0 }, { listener, POLLIN, 0 } };
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  for (;;) {
    int n = poll(fds, 3, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { kill(-pid, SIGKILL); fail("poll", errno); }
    if (fds[1].revents) {
      /* The runner writes nothing after its word: fd 3 readable or hung up means the runner is gone, and nothing
       * of the run may outlive it. */
      kill(-pid, SIGKILL);
      (void)wait4(pid, &status, __WALL, &ru);
      _exit(EXIT_SETUP);
    }
    if (fds[2].revents & POLLIN) gate_answer(fds[2].fd, pid);
    else if (fds[2].revents) fds[2].fd = -1; /* POLLHUP: nothing uses the filter any more */
    if (fds[0].revents) break;
  }
  /* When the program ended, on the clock the runner reads too (CLOCK_MONOTONIC): which of two joined programs
   * ended first is decided on these, not on which report arrived first. */
  struct timespec ended;
  if (clock_gettime(CLOCK_MONOTONIC, &ended) != 0) { kill(-pid, SIGKILL); fail("clock_gettime", errno); }
  /* The program has ended and is not reaped yet, so its pid still names its group and cannot be reused: kill what
   * it left in the group now, then reap it. */
  if (kill(-pid, SIGKILL) != 0 && errno != ESRCH) fail("kill", errno);
  pid_t reaped;
  do reaped = wait4(pid, &status, __WALL, &ru); while (reaped < 0 && errno == EINTR);
  if (reaped != pid) fail("wait4", errno);
  long long utime = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
  long long stime = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
  /* With a listener, the gate's own time went to answering the run's questions: it is the run's CPU time too (the
   * runner counts it against the limit as well), so a program cannot spend CPU through the gate unseen. */
  if (listener >= 0) {
    struct rusage self;
    if (getrusage(RUSAGE_SELF, &self) != 0) fail("getrusage", errno);
    utime += (long long)self.ru_utime.tv_sec * 1000000 + self.ru_utime.tv_usec;
    stime += (long long)self.ru_stime.tv_sec * 1000000 + self.ru_stime.tv_usec;
  }
  say("x %lld %lld %lld %lld %lld\n", status, utime, stime, ru.ru_maxrss,
      (long long)ended.tv_sec * 1000000 + ended.tv_nsec / 1000);
  return 0;
}
