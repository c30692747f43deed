#!/usr/bin/env node
/**
 * Generates the syscall tables src/seccomp/tables/x86_64.ts and src/seccomp/tables/aarch64.ts
 * (name -> number) from the kernel UAPI headers installed on this machine, plus a supplement of the
 * syscalls added after those headers.
 *
 *   node scripts/gen-syscalls.mjs [--include-dir /usr/include] [--out-dir src/seccomp/tables] [--check]
 *
 * --check compares the would-be output with the files in the output directory and exits 1 when they differ.
 *
 * Sources:
 * - x86_64:  <include>/x86_64-linux-gnu/asm/unistd_64.h (a flat list of `#define __NR_name N`).
 * - aarch64: <include>/asm-generic/unistd.h, read through a tiny preprocessor with the macros arm64's
 *   arch/arm64/include/uapi/asm/unistd.h defined before it included the generic file (Linux <= 6.10):
 *   __ARCH_WANT_RENAMEAT, __ARCH_WANT_NEW_STAT, __ARCH_WANT_SET_GET_RLIMIT, __ARCH_WANT_TIME32_SYSCALLS,
 *   __ARCH_WANT_SYS_CLONE3, __ARCH_WANT_MEMFD_SECRET, and __BITS_PER_LONG 64 (asm/bitsperlong.h).
 *   (Since 6.11 arm64 generates the same list from scripts/syscall.tbl with the ABIs
 *   "common,64,renameat,rlimit,memfd_secret", which yields the same numbers.)
 *
 * Plain Node ESM, no dependencies: the generator must run anywhere the headers are.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Syscalls added to Linux after the installed headers (linux-libc-dev 6.1), up to Linux 6.18.
 * Every syscall numbered >= 424 has the same number on every architecture except alpha (the kernel's
 * rule since 5.1, see the comment "don't use numbers 387 through 423" in syscall_64.tbl), so one
 * entry serves both tables unless `arches` says otherwise. Each number was checked against
 * scripts/syscall.tbl and arch/x86/entry/syscalls/syscall_64.tbl of torvalds/linux, and against a
 * running 6.18 kernel: each answered a probe with something other than the ENOSYS of an unassigned
 * number (470, the first after file_setattr, gets ENOSYS), except map_shadow_stack on a kernel built
 * without user shadow stacks.
 *
 * A supplement entry that disagrees with a header entry (same name with another number, or the same
 * number under another name) is an error: the headers are newer than this list thinks, or the list
 * is wrong. An entry the headers already carry identically is accepted and reported, so the list can
 * be pruned when the headers are upgraded.
 */
const SUPPLEMENT = [
  // [name, number, Linux version that added it, arches]
  ['cachestat', 451, '6.5', ['x86_64', 'aarch64']],
  ['fchmodat2', 452, '6.6', ['x86_64', 'aarch64']],
  // x86 user shadow stacks in 6.6; also numbered in the generic table, and arm64's Guarded Control
  // Stack (6.13) implements it. It answers ENOSYS where the kernel is built without either.
  ['map_shadow_stack', 453, '6.6', ['x86_64', 'aarch64']],
  ['futex_wake', 454, '6.7', ['x86_64', 'aarch64']],
  ['futex_wait', 455, '6.7', ['x86_64', 'aarch64']],
  ['futex_requeue', 456, '6.7', ['x86_64', 'aarch64']],
  ['statmount', 457, '6.8', ['x86_64', 'aarch64']],
  ['listmount', 458, '6.8', ['x86_64', 'aarch64']],
  ['lsm_get_self_attr', 459, '6.8', ['x86_64', 'aarch64']],
  ['lsm_set_self_attr', 460, '6.8', ['x86_64', 'aarch64']],
  ['lsm_list_modules', 461, '6.8', ['x86_64', 'aarch64']],
  ['mseal', 462, '6.10', ['x86_64', 'aarch64']],
  ['setxattrat', 463, '6.13', ['x86_64', 'aarch64']],
  ['getxattrat', 464, '6.13', ['x86_64', 'aarch64']],
  ['listxattrat', 465, '6.13', ['x86_64', 'aarch64']],
  ['removexattrat', 466, '6.13', ['x86_64', 'aarch64']],
  ['open_tree_attr', 467, '6.15', ['x86_64', 'aarch64']],
  ['file_getattr', 468, '6.17', ['x86_64', 'aarch64']],
  ['file_setattr', 469, '6.17', ['x86_64', 'aarch64']],
  // x86_64-only entries below 424 (syscall_64.tbl), used by the uprobes trampolines.
  ['uretprobe', 335, '6.11', ['x86_64']],
  ['uprobe', 336, '6.18', ['x86_64']],
];

const ARM64_WANTS = [
  '__ARCH_WANT_RENAMEAT', '__ARCH_WANT_NEW_STAT', '__ARCH_WANT_SET_GET_RLIMIT', '__ARCH_WANT_TIME32_SYSCALLS',
  '__ARCH_WANT_SYS_CLONE3', '__ARCH_WANT_MEMFD_SECRET',
];

/** `__NR_*` macros that are bookkeeping, not syscalls. */
const NOT_SYSCALLS = new Set(['syscalls', 'arch_specific_syscall']);

function fail(message) {
  process.stderr.write(`gen-syscalls: ${message}\n`);
  process.exit(1);
}

// ---- a preprocessor just large enough for the syscall headers -------------------------------------

function tokenize(expr) {
  const tokens = [];
  const re = /\s*(defined|[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9a-fA-F]+|\d+|\|\||&&|==|!=|<=|>=|[()!<>+\-])/y;
  let pos = 0;
  expr = expr.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '').trim();
  while (pos < expr.length) {
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) throw new Error(`cannot parse preprocessor expression: ${expr}`);
    tokens.push(m[1]);
    pos = re.lastIndex;
    while (pos < expr.length && /\s/.test(expr[pos])) pos++;
  }
  return tokens;
}

/** Evaluates a #if expression: defined(), integers, macros (undefined ones are 0), ! == != < > <= >= + - && ||. */
function evaluate(expr, macros) {
  const t = tokenize(expr);
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  const value = (name, depth = 0) => {
    if (!macros.has(name)) return 0;
    if (depth > 16) throw new Error(`macro ${name} expands too deeply`);
    const body = macros.get(name).trim();
    if (/^[A-Za-z_]\w*$/.test(body)) return value(body, depth + 1);
    return body === '' ? 0 : evaluate(body, macros);
  };
  const primary = () => {
    const tok = next();
    if (tok === undefined) throw new Error(`unexpected end of expression: ${expr}`);
    if (tok === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`missing ) in: ${expr}`);
      return v;
    }
    if (tok === '!') return primary() ? 0 : 1;
    if (tok === '-') return -primary();
    if (tok === 'defined') {
      const paren = peek() === '(';
      if (paren) next();
      const name = next();
      if (paren && next() !== ')') throw new Error(`missing ) after defined in: ${expr}`);
      return macros.has(name) ? 1 : 0;
    }
    if (/^\d|^0[xX]/.test(tok)) return Number(tok);
    if (/^[A-Za-z_]/.test(tok)) return value(tok);
    throw new Error(`unexpected token ${tok} in: ${expr}`);
  };
  const additive = () => {
    let v = primary();
    while (peek() === '+' || peek() === '-') v = next() === '+' ? v + primary() : v - primary();
    return v;
  };
  const relational = () => {
    let v = additive();
    while (['<', '>', '<=', '>='].includes(peek())) {
      const op = next();
      const r = additive();
      v = Number(op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : v >= r);
    }
    return v;
  };
  const equality = () => {
    let v = relational();
    while (peek() === '==' || peek() === '!=') v = next() === '==' ? Number(v === relational()) : Number(v !== relational());
    return v;
  };
  const and = () => {
    let v = equality();
    while (peek() === '&&') { next(); const r = equality(); v = Number(Boolean(v) && Boolean(r)); }
    return v;
  };
  function or() {
    let v = and();
    while (peek() === '||') { next(); const r = and(); v = Number(Boolean(v) || Boolean(r)); }
    return v;
  }
  const result = or();
  if (i !== t.length) throw new Error(`trailing tokens in: ${expr}`);
  return result;
}

/** Runs the conditional-compilation and #define/#undef lines of a header; returns the final macro table. */
function preprocess(text, predefined) {
  const macros = new Map(Object.entries(predefined));
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  // Each frame: [active now, some branch already taken, parent active]
  const stack = [];
  const active = () => stack.every((f) => f.active);
  for (const raw of lines) {
    const line = raw.replace(/\/\*.*?\*\//g, ' ').trim();
    const m = /^#\s*(\w+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, directive, rest] = m;
    switch (directive) {
      case 'if': case 'ifdef': case 'ifndef': {
        const parent = active();
        let cond;
        if (directive === 'ifdef') cond = macros.has(rest.trim());
        else if (directive === 'ifndef') cond = !macros.has(rest.trim());
        else cond = parent ? Boolean(evaluate(rest, macros)) : false;
        stack.push({ active: cond, taken: cond, parent });
        break;
      }
      case 'elif': {
        const f = stack.at(-1);
        if (!f) throw new Error('#elif without #if');
        const cond = !f.taken && f.parent && Boolean(evaluate(rest, macros));
        f.active = cond;
        f.taken ||= cond;
        break;
      }
      case 'else': {
        const f = stack.at(-1);
        if (!f) throw new Error('#else without #if');
        f.active = !f.taken;
        f.taken = true;
        break;
      }
      case 'endif':
        if (!stack.pop()) throw new Error('#endif without #if');
        break;
      case 'define': {
        if (!active()) break;
        const d = /^([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/.exec(rest);
        if (!d) throw new Error(`cannot parse #define ${rest}`);
        if (d[2]) break; // function-like macros (__SYSCALL, __SC_3264, ...) do not number anything
        macros.set(d[1], d[3].trim());
        break;
      }
      case 'undef':
        if (active()) macros.delete(rest.trim());
        break;
      case 'include': case 'error': case 'warning': case 'pragma':
        break;
      default:
        throw new Error(`unexpected directive #${directive}`);
    }
  }
  if (stack.length) throw new Error('unterminated #if');
  return macros;
}

/** The `__NR_name` macros of a preprocessed header, resolved to numbers. */
function syscallsOf(macros) {
  const table = new Map();
  for (const name of macros.keys()) {
    if (!name.startsWith('__NR_')) continue;
    const sys = name.slice('__NR_'.length);
    if (NOT_SYSCALLS.has(sys)) continue;
    const nr = evaluate(name, macros);
    if (!Number.isInteger(nr) || nr < 0) throw new Error(`${name} does not resolve to a syscall number`);
    table.set(sys, nr);
  }
  return table;
}

function readHeader(file) {
  if (!existsSync(file)) fail(`${file} not found (install linux-libc-dev)`);
  return readFileSync(file, 'utf8');
}

function headerVersion(includeDir) {
  const file = join(includeDir, 'linux/version.h');
  if (!existsSync(file)) return 'unknown';
  const m = /LINUX_VERSION_CODE\s+(\d+)/.exec(readFileSync(file, 'utf8'));
  if (!m) return 'unknown';
  const code = Number(m[1]);
  return `${code >> 16}.${(code >> 8) & 0xff}.${code & 0xff}`;
}

function supplement(arch, table) {
  const added = [];
  for (const [name, nr, since, arches] of SUPPLEMENT) {
    if (!arches.includes(arch)) continue;
    const byName = table.get(name);
    const byNumber = [...table].find(([, n]) => n === nr)?.[0];
    if (byName === nr && byNumber === name) {
      process.stderr.write(`gen-syscalls: note: ${arch} headers already define ${name} = ${nr}; the supplement entry is redundant\n`);
      continue;
    }
    if (byName !== undefined) fail(`supplement ${name} = ${nr} (Linux ${since}) collides with the ${arch} header's ${name} = ${byName}`);
    if (byNumber !== undefined) fail(`supplement ${name} = ${nr} (Linux ${since}) collides with the ${arch} header's ${byNumber} = ${nr}`);
    table.set(name, nr);
    added.push(`${name} ${nr} (${since})`);
  }
  return added;
}

function checkUnique(arch, table) {
  const seen = new Map();
  for (const [name, nr] of table) {
    if (seen.has(nr)) fail(`${arch}: ${name} and ${seen.get(nr)} share number ${nr}`);
    seen.set(nr, name);
  }
}

function render(arch, constName, table, source, added, version) {
  const entries = [...table].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const width = Math.max(...entries.map(([n]) => n.length));
  const body = entries.map(([name, nr]) => `  ${name}:${' '.repeat(width - name.length + 1)}${nr},`).join('\n');
  return `// GENERATED FILE, do not edit: run \`node scripts/gen-syscalls.mjs\` (npm run gen:syscalls).
// ${arch} syscall numbers, name -> number, sorted by number.
// Source: ${source}
//   (linux-libc-dev headers, LINUX_VERSION_CODE ${version}),
// plus the supplement list in scripts/gen-syscalls.mjs for syscalls added since (up to Linux 6.18):
//   ${added.length ? added.join(', ') : '(none)'}.
export const ${constName}: Readonly<Record<string, number>> = Object.freeze({
${body}
});
`;
}

function main() {
  const args = process.argv.slice(2);
  let includeDir = '/usr/include';
  let outDir = join(ROOT, 'src/seccomp/tables');
  let check = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--include-dir') includeDir = args[++i] ?? fail('--include-dir needs a path');
    else if (args[i] === '--out-dir') outDir = resolve(args[++i] ?? fail('--out-dir needs a path'));
    else if (args[i] === '--check') check = true;
    else fail(`unknown argument ${args[i]}`);
  }
  const version = headerVersion(includeDir);

  const x86Header = join(includeDir, 'x86_64-linux-gnu/asm/unistd_64.h');
  const x86 = syscallsOf(preprocess(readHeader(x86Header), {}));
  const genericHeader = join(includeDir, 'asm-generic/unistd.h');
  const arm = syscallsOf(preprocess(readHeader(genericHeader), {
    __BITS_PER_LONG: '64',
    ...Object.fromEntries(ARM64_WANTS.map((w) => [w, ''])),
  }));
  // Sanity anchors: a misparse shows up here before it shows up as a wrong filter.
  const anchors = { x86_64: [x86, { read: 0, socket: 41, clone: 56, fork: 57, ioctl: 16, clone3: 435 }],
    aarch64: [arm, { io_setup: 0, ioctl: 29, socket: 198, clone: 220, clone3: 435, renameat: 38, fstat: 80, memfd_secret: 447 }] };
  for (const [arch, [table, expect]] of Object.entries(anchors)) {
    for (const [name, nr] of Object.entries(expect)) {
      if (table.get(name) !== nr) fail(`${arch}: expected ${name} = ${nr} from the headers, got ${table.get(name)}`);
    }
  }
  if (arm.has('fork') || arm.has('open') || arm.has('fcntl64')) fail('aarch64: a legacy or 32-bit syscall leaked into the table');

  const outputs = [
    ['x86_64', 'X86_64_SYSCALLS', x86, x86Header],
    ['aarch64', 'AARCH64_SYSCALLS', arm, `${genericHeader} with ${ARM64_WANTS.join(', ')}, __BITS_PER_LONG 64`],
  ];
  let stale = false;
  for (const [arch, constName, table, source] of outputs) {
    const added = supplement(arch, table);
    checkUnique(arch, table);
    const text = render(arch, constName, table, source, added, version);
    const file = join(outDir, `${arch}.ts`);
    if (check) {
      const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (current !== text) { process.stderr.write(`gen-syscalls: ${file} is out of date\n`); stale = true; }
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file} (${table.size} syscalls)\n`);
    }
  }
  if (stale) process.exit(1);
}

try {
  main();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
