/**
 * Why a source could not even be compiled: the submission cannot be judged, and that is not its fault (CLI exit
 * 125, nothing compiled or run). A compiler that ran and failed is not an error but a CE result (compile.ts).
 */

/** The source, its language or --lang is wrong: unknown extension or name, unreadable file, no Java class. */
export class SourceError extends Error {
  readonly path: string | null;
  constructor(message: string, path: string | null = null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceError';
    this.path = path;
  }
}

/** The language's compiler or runtime is not installed here; names the package to install. */
export class ToolchainMissingError extends Error {
  readonly language: string;
  readonly package: string;
  constructor(language: string, tool: string, pkg: string, dirs: readonly string[]) {
    const where = dirs.length > 1 ? `${dirs.slice(0, -1).join(', ')} or ${dirs.at(-1)}` : dirs.join('');
    super(`the ${language} toolchain is not installed: ${tool} not found in ${where} `
      + `(install the Debian package ${pkg}: apt-get install ${pkg})`);
    this.name = 'ToolchainMissingError';
    this.language = language;
    this.package = pkg;
  }
}
