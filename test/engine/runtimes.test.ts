/**
 * Real language runtimes under the sandbox, on Debian's toolchains (.ci/run installs them and sets
 * SANDBOX_TEST_REQUIRE_RUNTIMES=1, so that there a missing one is a failure; elsewhere its tests are skipped): Java (the JDK, `java -Xmx256m -Xss64m`), Go (a built binary), Node,
 * Python and PyPy, each under --memory 256 with the processes (threads) it needs. For each: a + b is OK with the
 * right output and a sane peak; allocating and touching 512 MiB is MLE; an endless loop is TLE; an uncaught
 * exception or panic is RE. The programs and how each is built are in fixtures/runtimes/runtimes.mjs (the bench
 * runs the same a + b).
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { AB_INPUT, AB_OUTPUT, RUNTIMES, type Kind } from '../../fixtures/runtimes/runtimes.mjs';
import { MiB, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
// .ci/run sets this: there a missing toolchain is a failure, not a skip.
const required = process.env.SANDBOX_TEST_REQUIRE_RUNTIMES === '1';

beforeAll(() => { s = scratch('runtimes'); });
afterAll(async () => {
  await shutdown();
  s?.remove();
});

for (const rt of RUNTIMES) {
  const installed = rt.tools.every((t) => fs.existsSync(t));
  describe.skipIf(!installed && !required)(`${rt.name} under --memory 256 --processes ${rt.processes}`, () => {
    let argv: Record<Kind, string[]>;
    const opts = { memory: 256 * MiB, processes: rt.processes, timeout: 10 };
    beforeAll(() => {
      if (!installed) throw new Error(`${rt.name}: ${rt.tools.join(', ')} missing (.ci/run installs the toolchains)`);
      argv = rt.build(s.dir(rt.name.toLowerCase()));
    }, 120_000);

    it('a + b: OK, the right output, a sane peak', async () => {
      const r = await runExecutable(argv.ab[0]!, argv.ab.slice(1), { ...opts, input: AB_INPUT });
      expect(r, text(r.stderr)).toMatchObject({ status: 'OK', exitCode: 0, signal: null });
      expect(text(r.stdout)).toBe(AB_OUTPUT);
      expect(r.peakMemory).toBeGreaterThan(MiB);
      expect(r.peakMemory).toBeLessThan(200 * MiB);
    });

    it('allocating and touching 512 MiB: MLE', async () => {
      const r = await runExecutable(argv.mle[0]!, argv.mle.slice(1), opts);
      expect(r, text(r.stderr)).toMatchObject({ status: 'MLE', limit: 'memory' });
    });

    it('an endless loop: TLE', async () => {
      const r = await runExecutable(argv.tle[0]!, argv.tle.slice(1), { ...opts, timeout: 2 });
      expect(r, text(r.stderr)).toMatchObject({ status: 'TLE', timedOut: true });
    });

    it('an uncaught exception or panic: RE', async () => {
      const r = await runExecutable(argv.re[0]!, argv.re.slice(1), opts);
      expect(r, text(r.stderr)).toMatchObject({ status: 'RE', limit: null });
      expect(r.exitCode).not.toBe(0);
      expect(text(r.stderr)).toMatch(/boom|nil map/);
    });
  });
}
