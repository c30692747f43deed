/**
 * Errors of judge mode itself. Each says which file or option is wrong and what to do about it, in one line
 * (the CLI prints it after `simple-cp-sandbox: judge: ` and exits 125).
 *
 * The engine's own errors pass through judge() unchanged: InvalidOptionError (a bad limit or path),
 * ProgramNotFoundError and ProgramNotExecutableError (the program, or the checker, could not be started).
 */

/** The tests, the checker or an option cannot be used: nothing was judged (CLI exit 125). */
export class JudgeConfigError extends Error {
  /** The file or directory at fault, when there is one. */
  readonly path: string | undefined;
  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JudgeConfigError';
    this.path = path;
  }
}
