/**
 * Two programs joined by pipes (engine/joined.ts) and the gate's SIGPIPE option: what one writes the other reads,
 * each result is its own, the runner tells which ended first, and a side that cannot start takes the other down.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, InvalidOptionError, runExecutable, shutdown } from '../../dist/engine/index.js';
import { text } from './helpers.js';

const engine = new Engine();
afterAll(async () => {
  await engine.shutdown();
  await shutdown();
});

describe('runJoined', () => {
  it('each side reads what the other writes; results and figures are each side\'s own', async () => {
    const { results: [a, b] } = await engine.runJoined(
      { file: '/bin/sh', args: ['-c', 'echo ping; read r; echo "a got $r" >&2'] },
      { file: '/bin/sh', args: ['-c', 'read r; echo "b got $r" >&2; echo pong'] },
    );
    expect([a.status, text(a.stderr)]).toEqual(['OK', 'a got pong\n']);
    expect([b.status, text(b.stderr)]).toEqual(['OK', 'b got ping\n']);
  });

  it('tells which side ended first, both ways', async () => {
    const early = { file: '/bin/sh', args: ['-c', 'exit 0'] };
    const late = { file: '/bin/sh', args: ['-c', 'read r; sleep 0.2'], options: { processes: 8 } }; // EOF at once, then a pause
    expect((await engine.runJoined(early, late)).first).toBe(0);
    expect((await engine.runJoined(late, early)).first).toBe(1);
  });

  it('a side killed for a limit ended when the runner decided so, not when the other saw EOF', async () => {
    const stuck = { file: '/bin/sh', args: ['-c', 'read r'], options: { timeout: 0.3 } }; // waits for the other
    const reader = { file: '/bin/sh', args: ['-c', 'read r; exit 2'] }; // waits too, until stuck is killed
    const r = await engine.runJoined(stuck, reader);
    expect(r.results[0].status).toBe('TLE');
    expect(r.results[1].exitCode).toBe(2);
    expect(r.first).toBe(0);
  });

  it('refuses options for the streams the pipes are', async () => {
    await expect(engine.runJoined({ file: '/bin/true', options: { input: 'x' } }, { file: '/bin/true' }))
      .rejects.toThrow(InvalidOptionError);
  });

  it('a side that cannot start: the call rejects and the other side is ended', async () => {
    const t0 = Date.now();
    await expect(engine.runJoined(
      { file: '/bin/sh', args: ['-c', 'read r'], options: { timeout: 20 } },
      { file: '/bin/true', options: { config: { readDenyPaths: ['/no/such/dir'] } } },
    )).rejects.toThrow(/readDenyPaths|no\/such/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('ignoreSigpipe', () => {
  const writer = ['-c', 'sleep 0.3; echo one; echo two; echo "still here $?" >&2'];
  it('control: by default a write to a pipe without a reader kills with SIGPIPE', async () => {
    const { results: [w] } = await engine.runJoined({ file: '/bin/sh', args: writer, options: { processes: 8 } }, { file: '/bin/true' });
    expect(w.signal).toBe('SIGPIPE');
  });
  it('ignored: the write fails with EPIPE and the program goes on', async () => {
    const { results: [w] } = await engine.runJoined({ file: '/bin/sh', args: writer, options: { ignoreSigpipe: true, processes: 8 } }, { file: '/bin/true' });
    expect(w.signal).toBeNull();
    expect(text(w.stderr)).toMatch(/still here/);
  });
  it('is checked: a non-boolean is an invalid option', async () => {
    await expect(runExecutable('/bin/true', [], { ignoreSigpipe: 'yes' as unknown as boolean })).rejects.toThrow(InvalidOptionError);
  });
});
