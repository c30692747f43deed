import { errnoName } from '../native/errno.js';

/** An option had a bad value: names the option and shows the value. Nothing ran. */
export class InvalidOptionError extends Error {
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, value: unknown, expected: string) {
    super(`invalid option ${option}: ${formatValue(value)} (expected ${expected})`);
    this.name = 'InvalidOptionError';
    this.option = option;
    this.value = value;
  }
}

/** The program does not exist (CLI exit 127). Nothing ran. */
export class ProgramNotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`program not found: ${path}`);
    this.name = 'ProgramNotFoundError';
    this.path = path;
  }
}

/** The program exists but cannot be executed (CLI exit 126). Nothing ran. */
export class ProgramNotExecutableError extends Error {
  readonly path: string;
  constructor(path: string, why: string) {
    super(`program not executable: ${path} (${why})`);
    this.name = 'ProgramNotExecutableError';
    this.path = path;
  }
}

/**
 * Where a run's setup can fail (SandboxSetupError.step), in the order it happens. The runner's own steps are the
 * SETUP list of engine/setup.ts; a spawner thread restricts itself in the steps of engine/spawner-worker.ts
 * (landlock, drop-privileges, no_new_privs, seccomp), which a run reports while it acquires that thread.
 * docs/principles.md ("The run engine, step by step") describes each.
 */
export type SetupStep =
  | 'harden runner' | 'gate' | 'landlock' | 'spawner thread' | 'drop-privileges' | 'no_new_privs' | 'seccomp'
  | 'pipes' | 'spawn' | 'own /proc' | 'program filter' | 'rlimits' | 'release';

/**
 * A step of building the sandbox failed, so the program was not started (or was stopped at the gate before its
 * first instruction). Names the step, the call and errno (CLI exit 125).
 */
export class SandboxSetupError extends Error {
  readonly step: SetupStep;
  readonly call: string | undefined;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  constructor(step: SetupStep, detail: string, opts: { call?: string; errno?: number; cause?: unknown } = {}) {
    const code = opts.errno === undefined ? undefined : errnoName(opts.errno);
    const callPart = opts.call ? `: ${opts.call}${code ? ` failed with ${code}` : ''}` : '';
    super(`sandbox setup failed at step "${step}"${callPart}${detail ? ` — ${detail}` : ''}`, { cause: opts.cause });
    this.name = 'SandboxSetupError';
    this.step = step;
    this.call = opts.call;
    this.errno = opts.errno;
    this.code = code;
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
