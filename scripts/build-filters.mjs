// Part of `npm run build`: compiles the seccomp filter templates a run installs (the spawner's: one process / more
// than one; the program's own: per Landlock ABI class too; for x86_64 and aarch64) into dist/engine/filter-templates.json, so a run does not load the seccomp compiler and
// the syscall tables on its critical path. test/engine/filter.test.ts checks the file against a live
// compilation.
import { writeFileSync } from 'node:fs';
import { spawnerFilterTemplate } from '../dist/engine/filter.js';
import { programFilterTemplate, PROGRAM_VARIANTS } from '../dist/engine/program-filter.js';
import { programTemplateKey } from '../dist/engine/filter-patch.js';

const out = {};
for (const arch of ['x86_64', 'aarch64']) {
  for (const [key, processes] of [['1', 1], ['n', 2]]) {
    const t = spawnerFilterTemplate(processes, arch);
    out[`${arch}/${key}`] = { bytes: Buffer.from(t.bytes).toString('base64'), tidSlots: t.tidSlots, pidSlots: t.pidSlots };
  }
  // The program's own filter (installed by the gate's child), per Landlock ABI class and process knob.
  for (const [abi, processes] of PROGRAM_VARIANTS) {
    const t = programFilterTemplate(processes, abi, arch);
    out[programTemplateKey(arch, processes, abi)] = { bytes: Buffer.from(t.bytes).toString('base64'), slots: t.slots, negSlots: t.negSlots };
  }
}
writeFileSync(new URL('../dist/engine/filter-templates.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
