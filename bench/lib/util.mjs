// Small helpers shared by the bench sections: clocks, statistics, child processes, failures.
import { spawn } from 'node:child_process';

/** Milliseconds from a monotonic clock. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Quantile q (0..1) of numbers, linear between closest ranks (the R-7 / numpy default). */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (v) => quantile(v, 0.5);

/** median, p95, min, max and count of samples. */
export function summary(values) {
  return {
    n: values.length,
    median: median(values),
    p95: quantile(values, 0.95),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
  };
}

/** Rounds for the raw figures in results/latest.json (µs for ms values keeps them exact enough and short). */
export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** A run whose outcome is not the expected one: the bench exits non-zero because of it. */
export class RunFailure extends Error {}

export function expect(cond, message) {
  if (!cond) throw new RunFailure(message);
}

/**
 * Spawns a command with child_process.spawn and resolves once it has exited and its stdio is closed, with its
 * exit code, signal, output and the time the whole thing took (ms).
 */
export function run(cmd, args, { input, env, cwd, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(env ? { env } : {}), ...(cwd ? { cwd } : {}) });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: nowMs() - t0 });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** `n` tasks from `make(i)`, at most `concurrency` at a time; resolves with the elapsed ms. */
export async function batch(n, concurrency, make) {
  let next = 0;
  const t0 = nowMs();
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await make(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return nowMs() - t0;
}

/** Elements of `list` rotated left by `k` (interleaving: each round starts with a different contender). */
export function rotate(list, k) {
  const i = ((k % list.length) + list.length) % list.length;
  return [...list.slice(i), ...list.slice(0, i)];
}
