/**
 * Errors of the CLI itself. Each carries the exit code it ends the CLI with; the message is one line that names
 * the problem (main.ts prints it after `simple-cp-sandbox: `, or puts it in the JSON object's `error`).
 */
import { ExitCode } from './exit-codes.js';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A bad option, value or argument (exit 125, before anything ran). */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.SANDBOX);
    this.name = 'CliUsageError';
  }
}
