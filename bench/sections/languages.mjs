// 9. Source submissions, per installed language of the table (src/lang/table.ts), on the AC a + b of
// fixtures/lang/sources.mjs: the compile sandboxed (compileSource, no cache) against the same command bare (the
// same argv, directory and environment, child_process.spawn), interleaved; then judging it on the 10 tests of
// fixtures/judge/sum/tests cold (an empty cache: compile + 10 runs) and warm (the artefact from the cache).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSource, findToolchain, javaMainClass, LANGUAGES } from '../../dist/lang/index.js';
import { judge } from '../../dist/judge/index.js';
import { DEFAULTS } from '../../dist/engine/options.js';
import { SOURCES } from '../../fixtures/lang/sources.mjs';
import { expect, median, nowMs, round, run } from '../lib/util.mjs';

const TESTS = fileURLToPath(new URL('../../fixtures/judge/sum/tests', import.meta.url));

function bareCompile(l, tool, file, code) {
  const build = mkdtempSync(path.join(os.tmpdir(), 'scs-bench-build-'));
  const src = l.source.replace('{class}', l.source.includes('{class}') ? javaMainClass(code, file) : '');
  writeFileSync(path.join(build, src), code);
  const env = { PATH: DEFAULTS.path, HOME: build, TMPDIR: build, LANG: 'C.UTF-8' };
  for (const [k, v] of Object.entries(l.compileEnv ?? {})) env[k] = v.replace('{build}', build);
  const args = l.compile.map((a) => a.replace('{src}', src));
  return { build, args, env, tool };
}

export async function languages(ctx) {
  const reps = ctx.quick ? 1 : 3;
  const rows = [];
  const raw = {};
  for (const l of LANGUAGES) {
    const fixture = SOURCES.find((s) => s.name === l.name);
    if (!fixture) continue;
    let tc;
    try {
      tc = findToolchain(l);
    } catch {
      rows.push([l.name, '-', '-', '-', '-', '-', 'not installed']);
      continue;
    }
    const dir = ctx.scratch(`lang-${l.name}`);
    const file = path.join(dir, fixture.file);
    writeFileSync(file, fixture.AC, { mode: 0o644 });
    const bare = [];
    const boxed = [];
    for (let i = 0; i < reps + 1; i++) {
      const b = bareCompile(l, tc.compiler.path, file, fixture.AC);
      const t0 = nowMs();
      const r = await run(b.tool, b.args, { env: b.env, cwd: b.build, timeoutMs: 60_000 });
      const bareMs = nowMs() - t0;
      rmSync(b.build, { recursive: true, force: true });
      expect(r.code === 0, `bare compile ${l.name}: exit ${r.code ?? r.signal} ${r.stderr.trim()}`);
      const t1 = nowMs();
      const c = await compileSource({ source: file, language: l.name, cache: false });
      const boxMs = nowMs() - t1;
      expect(c.ok, `compileSource ${l.name}: ${c.compile.message} ${c.compile.output}`);
      await c.program.dispose();
      if (i === 0 && reps > 1) continue; // warms the page cache for both
      bare.push(bareMs);
      boxed.push(boxMs);
    }
    const cold = [];
    const warm = [];
    for (let i = 0; i < reps; i++) {
      const cache = mkdtempSync(path.join(os.tmpdir(), 'scs-bench-cache-'));
      const opts = { source: file, language: l.name, tests: TESTS, cache, limits: { timeout: 10, memory: 256 * 1024 * 1024 } };
      const t0 = nowMs();
      const a = await judge(opts);
      cold.push(nowMs() - t0);
      const t1 = nowMs();
      const b = await judge(opts);
      warm.push(nowMs() - t1);
      rmSync(cache, { recursive: true, force: true });
      expect(a.verdict === 'AC' && b.verdict === 'AC' && b.compile.cached, `judge ${l.name}: ${a.verdict} ${b.verdict}`);
    }
    const mb = median(bare);
    const ms = median(boxed);
    rows.push([l.name, mb.toFixed(0), ms.toFixed(0), `${(ms / mb).toFixed(2)}x`, median(cold).toFixed(0), median(warm).toFixed(0),
      tc.compiler.path]);
    raw[l.name] = { bareCompileMs: bare.map((x) => round(x)), sandboxCompileMs: boxed.map((x) => round(x)),
      judgeColdMs: cold.map((x) => round(x)), judgeWarmMs: warm.map((x) => round(x)) };
  }
  return {
    tables: [{
      title: 'Source submissions: compile sandboxed vs bare, and judge of 10 tests cold vs warm cache (ms, medians)',
      columns: ['language', 'compile bare', 'compile sandboxed', 'ratio', 'judge cold', 'judge warm', 'compiler'],
      rows,
      notes: [`${reps} runs each${reps > 1 ? ' after a warm-up pair' : ''}, bare and sandboxed interleaved. The compile `
        + 'is the a + b of fixtures/lang/sources.mjs with the table\'s command; the judge is the same source on the 10 tests '
        + 'of fixtures/judge/sum/tests with the default jobs (cores), cold = an empty cache, warm = the artefact cached.'],
    }],
    raw,
  };
}

