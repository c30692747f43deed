// The machine the bench ran on, and how much other work shared it while the bench ran: /proc/stat's busy time of
// all CPUs minus this process's own CPU time and that of the children it waited for (/proc/self/stat utime, stime,
// cutime, cstime), as an average number of busy cores.
import { readFileSync } from 'node:fs';
import os from 'node:os';

const TICK = 100; // USER_HZ

function busyTicks() {
  const cpu = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already inside user/nice.
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user + nice + system + irq + softirq + steal;
}

function ownTicks() {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

export function machine() {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'latin1'));
    if (m) model = m[1].trim();
  } catch { /* keep os.cpus() */ }
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: model,
    kernel: `${os.type()} ${os.release()} ${os.machine?.() ?? process.arch}`,
    node: process.version,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    user: process.geteuid?.() === 0 ? 'root (programs run as uid 65534)' : `uid ${process.geteuid?.()}`,
  };
}

/** Starts watching the machine's load; stop() returns what other processes used meanwhile. */
export function watchLoad() {
  const t0 = process.hrtime.bigint();
  const busy0 = busyTicks();
  const own0 = ownTicks();
  const load0 = os.loadavg();
  return {
    stop() {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const other = Math.max(0, (busyTicks() - busy0) - (ownTicks() - own0)) / TICK;
      return {
        seconds: Number(secs.toFixed(1)),
        otherCoresBusy: Number((other / secs).toFixed(2)),
        loadavgStart: load0.map((x) => Number(x.toFixed(2))),
        loadavgEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
      };
    },
  };
}
