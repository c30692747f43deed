/**
 * simple-cp-sandbox: run a program in a fail-closed sandbox (Landlock, seccomp-BPF, no_new_privs, rlimits) and
 * report exactly what happened. See README.md and docs/principles.md.
 */
export {
  runExecutable, startExecutable, SandboxedProcess, shutdown, prestart, Engine, effectiveOptions,
} from './engine/index.js';
export type { CommunicateOptions, EffectiveOptions, EngineOptions, Faults } from './engine/index.js';
export {
  InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError, SandboxSetupError,
} from './engine/errors.js';
export type { Enforcement, RunOptions, RunResult, RunStatus, SandboxConfig } from './engine/types.js';
export { DEFAULTS } from './engine/options.js';
export { compileRunFilter as compileSeccompFilter, runFilterListing as seccompListing } from './engine/filter.js';
export type { RunFilterOptions as SeccompFilterOptions } from './engine/filter.js';
export { describeLandlock } from './landlock/index.js';
export {
  judge, findTests, JudgeConfigError, exitCodeForVerdict, toJUnit,
} from './judge/index.js';
export type { JudgeOptions, JudgeReport, TestResult, Verdict } from './judge/index.js';
export {
  languages, compileSource, defaultCacheDir, LANGUAGES, DEFAULT_COMPILE_LIMITS, SourceError, ToolchainMissingError,
} from './lang/index.js';
export type {
  CompileLimits, CompileOptions, CompileReport, CompileResult, Compiled, LanguageDef, LanguageInfo,
} from './lang/index.js';
