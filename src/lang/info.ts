/**
 * What `languages` shows: every entry of the table, whether its toolchain is installed here and which version,
 * and the commands it compiles and runs with. It only looks: the one thing it runs is each installed tool's own
 * version flag (as the runner, outside any sandbox, 10 s at most each), in parallel.
 */
import { execFile } from 'node:child_process';
import { DEFAULTS } from '../engine/options.js';
import { findLanguage, toolchainOf } from './resolve.js';
import { LANGUAGES, type LanguageDef, type ToolSpec } from './table.js';

export interface LanguageInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly title: string;
  readonly extensions: readonly string[];
  /** Tested in CI on every machine (the others where installed). */
  readonly required: boolean;
  readonly installed: boolean;
  /** The compiler's version line (and the runtime's, when it is another tool), or null when not installed. */
  readonly version: string | null;
  /** The Debian packages that install its toolchain. */
  readonly packages: readonly string[];
  /** In the build directory; the tool is named as the table names it when not installed. */
  readonly compile: readonly string[];
  /** `{dir}` is the directory the artefact runs from, `{memory}` the memory limit in MiB. */
  readonly run: readonly string[];
  readonly processes: number;
  readonly notes: string;
}

function versionOf(tool: string, spec: ToolSpec): Promise<string> {
  return new Promise((resolve) => {
    execFile(tool, [...spec.version], { timeout: 10_000, env: { PATH: DEFAULTS.path, LANG: 'C' } }, (err, stdout, stderr) => {
      const line = `${stdout}\n${stderr}`.split('\n').map((s) => s.trim()).find((s) => s !== '');
      resolve(line ?? (err ? `unknown (${err.message.split('\n')[0]})` : 'unknown'));
    });
  });
}

/** The commands of `l` as they would run: the tools' paths when installed, else their names. */
export function commandsOf(l: LanguageDef, tools?: { compiler: string; runtime: string | null }): { compile: string[]; run: string[] } {
  const compiler = tools?.compiler ?? l.compiler.names[0]!;
  const runtime = l.runtime ? tools?.runtime ?? l.runtime.names[0]! : null;
  return {
    compile: [compiler, ...l.compile],
    run: runtime ? [runtime, ...l.run] : ['{dir}/main', ...l.run],
  };
}

async function infoOf(l: LanguageDef, withVersion: boolean): Promise<LanguageInfo> {
  const tc = toolchainOf(l);
  let version: string | null = null;
  if (tc && withVersion) {
    const parts = [await versionOf(tc.compiler.path, l.compiler)];
    if (tc.runtime && l.runtime && tc.runtime.path !== tc.compiler.path) parts.push(await versionOf(tc.runtime.path, l.runtime));
    version = [...new Set(parts)].join('; ');
  }
  const cmds = commandsOf(l, tc ? { compiler: tc.compiler.path, runtime: tc.runtime?.path ?? null } : undefined);
  return {
    name: l.name, aliases: l.aliases, title: l.title, extensions: l.extensions, required: l.required,
    installed: tc !== null, version,
    packages: [...new Set([l.compiler.package, ...(l.runtime ? [l.runtime.package] : [])])],
    compile: cmds.compile, run: cmds.run, processes: l.processes, notes: l.notes,
  };
}

/** Every language of the table (or the one named), with what is installed here. */
export async function languages(options: { name?: string; versions?: boolean } = {}): Promise<LanguageInfo[]> {
  const list = options.name === undefined ? LANGUAGES : [findLanguage(options.name)];
  return Promise.all(list.map((l) => infoOf(l, options.versions !== false)));
}
