/**
 * classify() (src/engine/classify.ts), pure: observations of a finished run in, the RunResult out. No kernel.
 */
import { describe, expect, it } from 'vitest';
import { classify, limitOf, signalName, type Observed } from '../../dist/engine/classify.js';

const MiB = 1024 * 1024;
const limits = { cpuTime: 1, memory: 64 * MiB, data: 2 * 64 * MiB + 1024 * MiB };

function observed(o: Partial<Observed> = {}): Observed {
  return {
    exitCode: 0, signal: null, cpuTime: 0.01, wallTime: 0.02, peakMemory: 2 * MiB, dataPeak: 10 * MiB,
    stdout: { data: Buffer.from('out'), truncated: false }, stderr: { data: Buffer.alloc(0), truncated: false },
    stoppedFor: null, enforced: null, ...o,
  };
}

describe('classify', () => {
  it('exit 0 within every limit is OK, with the observations as they are', () => {
    const r = classify(observed(), limits);
    expect(r).toEqual({
      status: 'OK', exitCode: 0, signal: null, stdout: Buffer.from('out'), stderr: Buffer.alloc(0), stdoutTruncated: false,
      stderrTruncated: false, timedOut: false, limit: null, wallTime: 0.02, cpuTime: 0.01, peakMemory: 2 * MiB, enforced: null,
    });
  });

  it('a non-zero exit or a signal is RE; the signal is named', () => {
    expect(classify(observed({ exitCode: 3 }), limits)).toMatchObject({ status: 'RE', exitCode: 3, signal: null, limit: null });
    expect(classify(observed({ exitCode: null, signal: 11 }), limits)).toMatchObject({ status: 'RE', signal: 'SIGSEGV' });
  });

  it('the limit the runner stopped the run for decides, whatever the figures say', () => {
    for (const [limit, status] of [['wall', 'TLE'], ['cpu', 'TLE'], ['memory', 'MLE'], ['output', 'OLE']] as const) {
      const r = classify(observed({ exitCode: null, signal: 9, stoppedFor: limit }), limits);
      expect(r).toMatchObject({ status, limit, timedOut: limit === 'wall' || limit === 'cpu' });
    }
  });

  it('CPU time at the limit, or SIGXCPU (the RLIMIT_CPU backstop), is TLE cpu', () => {
    expect(limitOf(observed({ cpuTime: 1 }), limits)).toBe('cpu');
    expect(limitOf(observed({ exitCode: null, signal: 24 }), limits)).toBe('cpu');
  });

  it('a peak over the memory limit is MLE even when the program exited 0', () => {
    expect(classify(observed({ peakMemory: 64 * MiB + 1 }), limits)).toMatchObject({ status: 'MLE', limit: 'memory' });
    expect(classify(observed({ peakMemory: 64 * MiB }), limits).status).toBe('OK');
  });

  it('a failed run whose data reached RLIMIT_DATA (within an eighth of it) is MLE; a successful one is not', () => {
    const near = limits.data - limits.data / 8;
    expect(limitOf(observed({ exitCode: 1, dataPeak: near }), limits)).toBe('memory');
    expect(limitOf(observed({ exitCode: null, signal: 6, dataPeak: near }), limits)).toBe('memory');
    expect(limitOf(observed({ exitCode: 1, dataPeak: near - 1 }), limits)).toBe(null);
    expect(limitOf(observed({ exitCode: 0, dataPeak: limits.data }), limits)).toBe(null);
  });

  it('a runtime\'s out-of-memory words at the end of a failed run\'s stderr make it MLE, never an OK run', () => {
    const words = ['MemoryError', 'terminate called after throwing an instance of \'std::bad_alloc\'',
      'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', 'fatal error: runtime: out of memory',
      'memory allocation of 1048576 bytes failed', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      'mmap: Cannot allocate memory'];
    for (const w of words) {
      expect(limitOf(observed({ exitCode: 1, stderr: { data: Buffer.from(`${w}\n`), truncated: false } }), limits), w).toBe('memory');
      expect(limitOf(observed({ exitCode: 0, stderr: { data: Buffer.from(`${w}\n`), truncated: false } }), limits), w).toBe(null);
    }
    // Only the last 4 KiB are read.
    const early = Buffer.concat([Buffer.from('MemoryError\n'), Buffer.alloc(5000, 0x2e)]);
    expect(limitOf(observed({ exitCode: 1, stderr: { data: early, truncated: false } }), limits)).toBe(null);
  });

  it('truncated output, or SIGXFSZ (a file over RLIMIT_FSIZE), is OLE', () => {
    expect(limitOf(observed({ stdout: { data: Buffer.alloc(0), truncated: true } }), limits)).toBe('output');
    expect(limitOf(observed({ stderr: { data: Buffer.alloc(0), truncated: true } }), limits)).toBe('output');
    expect(classify(observed({ exitCode: null, signal: 25 }), limits)).toMatchObject({ status: 'OLE', signal: 'SIGXFSZ' });
  });

  it('a caller\'s kill() is no limit, but a limit the figures show still counts', () => {
    expect(classify(observed({ exitCode: null, signal: 9, stoppedFor: 'kill' }), limits)).toMatchObject({ status: 'RE', limit: null });
    expect(classify(observed({ exitCode: null, signal: 9, stoppedFor: 'kill', cpuTime: 2 }), limits)).toMatchObject({ status: 'TLE', limit: 'cpu' });
  });

  it('names a signal by its first name, and an unknown one by its number', () => {
    expect(signalName(6)).toBe('SIGABRT');
    expect(signalName(29)).toBe('SIGIO');
    expect(signalName(99)).toBe('SIG99');
  });
});
