/*
 * The gate's answers to the program filter's user notifications (src/engine/program-filter.ts): below Landlock ABI 6,
 * with more than one process, a signal or pidfd_open that the filter could not allow by itself (its target is not
 * the run's group leader) comes here, and stays inside the run or fails.
 *
 * No answer may depend on a pid that could be reused between the check and the call. So:
 *   - a call aimed at the caller's own thread group, or the caller's own thread, goes on (CONTINUE): the caller is
 *     blocked in that call, so its tid and its group's id stay allocated; tgkill and rt_tgsigqueueinfo also have the
 *     kernel check that the thread is in that group;
 *   - kill(T) and pidfd_open(T) of another process: the gate opens a pidfd of T's thread group, checks that group is
 *     the run's (/proc/TGID/stat), then that the pidfd's process still exists (so /proc showed that process, not a
 *     successor), and then acts through that pidfd: it sends the signal itself (pidfd_send_signal) and returns its
 *     result, or hands the caller the pidfd (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND);
 *   - anything else (tkill of another thread, which names no group; tgkill and sigqueue to another process, whose
 *     siginfo is in the caller's memory; a group other than the run's): EPERM. A pidfd of another process or thread
 *     of the run (pidfd_open above, PIDFD_THREAD included) signals it within the run, with a siginfo too.
 * The caller's thread group is read from /proc/CALLER/status, and the notification is checked to be still pending
 * afterwards (SECCOMP_IOCTL_NOTIF_ID_VALID), which proves the caller, and so that tid, did not change meanwhile.
 *
 * Built into the gate (scripts/build-gate.mjs); every call checked; a failure of the notification interface itself
 * kills the run's group and ends the gate with 125.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "notify.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SECCOMP_IOCTL_NOTIF_ADDFD
#define SECCOMP_IOCTL_NOTIF_ADDFD SECCOMP_IOW(3, struct seccomp_notif_addfd)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

/* Reads /proc/ID/FILE into buf (NUL-terminated); the length, or -1 when there is no such task. */
static ssize_t read_proc(long id, const char *file, char *buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/%s", id, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  do n = read(fd, buf, size - 1); while (n < 0 && errno == EINTR);
  (void)close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  return n;
}

/* The process group of task ID (field 5 of /proc/ID/stat, after COMM, which may hold anything), or -1. */
static long pgrp_of(long id) {
  char buf[1024];
  if (read_proc(id, "stat", buf, sizeof buf) < 0) return -1;
  char *p = strrchr(buf, ')');
  char state;
  long ppid, pgrp;
  if (!p || sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3) return -1;
  return pgrp;
}

/* The thread group of task ID (Tgid: of /proc/ID/status), or -1. */
static long tgid_of(long id) {
  char buf[4096];
  if (read_proc(id, "status", buf, sizeof buf) < 0) return -1;
  char *p = strstr(buf, "\nTgid:");
  long tgid;
  if (!p || sscanf(p + 6, " %ld", &tgid) != 1) return -1;
  return tgid;
}

/*
 * pidfd_open(ID, FLAGS) as the caller asked it, kept only when the task it names is in the run's group: /proc is read
 * after the open, and the pidfd's task is then proved to exist still (signal 0 through it; a zombie counts), so ID
 * named that task, and no successor, while /proc was read. The fd, or -errno.
 */
static long run_pidfd(long id, unsigned flags, long pgid) {
  if (id <= 0) return -ESRCH;
  long fd = syscall(SYS_pidfd_open, id, flags);
  if (fd < 0) return -errno;
  long group = tgid_of(id);
  long g = group > 0 ? pgrp_of(group) : -1;
  long err = 0;
  if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) != 0) err = -errno;
  else if (g < 0) err = -ESRCH;
  else if (g != pgid) err = -EPERM;
  if (err) { (void)close((int)fd); return err; }
  return fd;
}

static void die(const char *call, int err, long pgid) {
  kill(-(pid_t)pgid, SIGKILL);
  gate_fail(call, err);
}

/* Sends the answer: go on (CONTINUE), a value, or -errno. */
static void respond(int listener, __u64 id, int go_on, long value, long pgid) {
  struct seccomp_notif_resp resp;
  memset(&resp, 0, sizeof resp);
  resp.id = id;
  if (go_on) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else if (value < 0) resp.error = (int)value;
  else resp.val = value;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT) die("ioctl(SECCOMP_IOCTL_NOTIF_SEND)", errno, pgid);
}

/*
 * Hands the caller `fd` as the call's result (SECCOMP_ADDFD_FLAG_SEND: added and answered at once, close-on-exec).
 * When it cannot be added (EMFILE: the caller's fd table is full; ESRCH: the caller was interrupted meanwhile), the
 * call fails with that errno instead, as pidfd_open itself would (respond ignores the ENOENT of a caller gone).
 */
static void respond_fd(int listener, __u64 id, int fd, long pgid) {
  struct seccomp_notif_addfd add;
  memset(&add, 0, sizeof add);
  add.id = id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = (__u32)fd;
  add.newfd_flags = O_CLOEXEC;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno != ENOENT) respond(listener, id, 0, -errno, pgid);
}

void gate_answer(int listener, long pgid) {
  struct seccomp_notif req;
  memset(&req, 0, sizeof req);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
    if (errno == EINTR || errno == ENOENT) return; /* the caller died or the call was interrupted meanwhile */
    die("ioctl(SECCOMP_IOCTL_NOTIF_RECV)", errno, pgid);
  }
  long caller = req.pid;
  long own = tgid_of(caller);
  /* Still pending: the caller is the task /proc showed. Gone: nothing to answer. */
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) != 0) return;
  if (own <= 0) { respond(listener, req.id, 0, -EPERM, pgid); return; }
  /* The arguments are ints (pid_t), as the kernel reads them. */
  long a0 = (int)req.data.args[0];
  long sig = (int)req.data.args[1];
  int nr = req.data.nr;
  long fd;
  if (nr == SYS_kill) {
    if (a0 == own || a0 == caller) { respond(listener, req.id, 1, 0, pgid); return; }
    if (a0 <= 0) { respond(listener, req.id, 0, -EPERM, pgid); return; } /* 0, -PGID: the filter's; others: not the run */
    /* kill(T) reaches T's whole thread group: a pidfd of that group, checked, and the signal sent through it. */
    long group = tgid_of(a0);
    if ((fd = run_pidfd(group > 0 ? group : -1, 0, pgid)) < 0) { respond(listener, req.id, 0, fd, pgid); return; }
    long r = syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    long result = r == 0 ? 0 : -errno;
    (void)close((int)fd);
    respond(listener, req.id, 0, result, pgid);
  } else if (nr == SYS_tkill) {
    /* Only the caller itself: a sibling's tid could be reused once the whole group ended, before the gate's own call
     * (tgkill, which checks the group, and pthread_kill use, are the way to a sibling). */
    respond(listener, req.id, a0 == caller, -EPERM, pgid);
  } else if (nr == SYS_tgkill || nr == SYS_rt_tgsigqueueinfo || nr == SYS_rt_sigqueueinfo) {
    respond(listener, req.id, a0 == own, -EPERM, pgid);
  } else if (nr == SYS_pidfd_open) {
    if (a0 == own || a0 == caller) { respond(listener, req.id, 1, 0, pgid); return; }
    if ((fd = run_pidfd(a0, (unsigned)req.data.args[1], pgid)) < 0) { respond(listener, req.id, 0, fd, pgid); return; }
    respond_fd(listener, req.id, (int)fd, pgid);
    (void)close((int)fd);
  } else {
    respond(listener, req.id, 0, -EPERM, pgid); /* nothing else is sent here */
  }
}
