/**
 * docs/principles.md describes a run step by step: its table names the runner's setup steps (bold) in the order of
 * SETUP (src/engine/setup.ts), name for name, so the security model cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETUP } from '../../dist/engine/setup.js';

const doc = readFileSync(new URL('../../docs/principles.md', import.meta.url), 'utf8');

describe('docs/principles.md, "The run engine, step by step"', () => {
  it('lists the setup steps of SETUP, in order, name for name', () => {
    const section = doc.slice(doc.indexOf('## The run engine, step by step'), doc.indexOf('### The spawner thread'));
    const named = [...section.matchAll(/^\| \*\*([^*]+)\*\* \|/gm)].map((m) => m[1]);
    expect(named).toEqual(SETUP.map((s) => s.step));
  });

  it('lists the spawner thread\'s own steps (spawner-worker.ts) in order, as SandboxSetupError names them', () => {
    const section = doc.slice(doc.indexOf('### The spawner thread'), doc.indexOf('### The gate'));
    const named = [...section.matchAll(/^\d\. \*\*([^*]+)\*\*/gm)].map((m) => m[1]);
    expect(named).toEqual(['landlock', 'drop-privileges', 'no_new_privs', 'seccomp']);
    const worker = readFileSync(new URL('../../src/engine/spawner-worker.ts', import.meta.url), 'utf8');
    const inCode = [...worker.matchAll(/^ {2}\{\s*\n?\s*step: '([^']+)'/gm)].map((m) => m[1]);
    expect(inCode).toEqual(named);
  });
});
