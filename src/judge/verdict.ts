/**
 * From a run of the program to a verdict and its message, and from the overall verdict to the CLI's exit code.
 */
import type { EffectiveOptions, RunResult } from '../engine/index.js';
import { squeeze } from '../util/text.js';
import type { Verdict } from './types.js';

const MiB = 1024 * 1024;

/** The limits a run of the program had (the engine's defaults where none was given), for messages. */
export type EffectiveLimits = Pick<EffectiveOptions, 'timeout' | 'cpuTime' | 'memory' | 'outputLimit'>;

export function formatBytes(n: number): string {
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The last line the program wrote on stderr that is not blank, shortened: what an RE message quotes. */
function stderrTail(stderr: Buffer): string {
  const lines = stderr.subarray(Math.max(0, stderr.length - 4096)).toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines.at(-1);
  return last === undefined ? '' : `; stderr: ${squeeze(last, 200)}`;
}

/** The verdict of a run that did not end normally (status other than OK), with its message; null for OK. */
export function runVerdict(r: RunResult, limits: EffectiveLimits): { verdict: Verdict; message: string } | null {
  switch (r.status) {
    case 'OK':
      return null;
    case 'TLE':
      return r.limit === 'cpu'
        ? { verdict: 'TLE', message: `CPU time limit of ${limits.cpuTime} s exceeded` }
        : { verdict: 'TLE', message: `wall time limit of ${limits.timeout} s exceeded` };
    case 'MLE':
      return { verdict: 'MLE', message: `memory limit of ${formatBytes(limits.memory)} exceeded (peak ${formatBytes(r.peakMemory)} seen)` };
    case 'OLE':
      return r.limit === 'disk'
        ? { verdict: 'OLE', message: 'write limit exceeded: the program wrote too much in its allowed directories' }
        : { verdict: 'OLE', message: `output limit of ${limits.outputLimit} bytes per stream exceeded` };
    case 'RE': {
      const how = r.signal !== null ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
      return { verdict: 'RE', message: `${how}${stderrTail(r.stderr)}` };
    }
  }
}

/**
 * The CLI's exit code for an overall verdict: 0 for AC; 1 when the program failed a test (WA, TLE, MLE, RE,
 * OLE); 125 when the judge could not give a verdict it can stand by (SE: the sandbox could not be set up; FAIL:
 * the checker failed), as for every other setup or configuration error.
 */
export function exitCodeForVerdict(v: Verdict): 0 | 1 | 125 {
  switch (v) {
    case 'AC':
      return 0;
    case 'SE':
    case 'FAIL':
      return 125;
    default:
      return 1;
  }
}
