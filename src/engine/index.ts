export { runExecutable, startExecutable, SandboxedProcess, shutdown, poolSize } from './run.js';
export { prestart } from './warm.js';
export type { CommunicateOptions } from './run.js';
export * from './errors.js';
export type * from './types.js';
export { DEFAULTS } from './options.js';
