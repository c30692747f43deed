/**
 * Source submissions: the language table (table.ts), finding a language and its toolchain (resolve.ts), compiling
 * in a sandbox with a cache (compile.ts, cache.ts), and what `languages` shows (info.ts). Depends on the engine
 * only; the judge and the CLI use it.
 */
export { LANGUAGES, type LanguageDef, type ToolSpec } from './table.js';
export {
  findLanguage, languageForExtension, languageOf, findToolchain, toolchainOf, javaMainClass, checkLanguageDef, TOOL_DIRS,
} from './resolve.js';
export {
  compileSource, Compiled, DEFAULT_COMPILE_LIMITS, COMPILE_OUTPUT_MAX, MAX_SOURCE,
  type CompileLimits, type CompileOptions, type CompileReport, type CompileResult,
} from './compile.js';
export { defaultCacheDir, CompileCache } from './cache.js';
export { languages, commandsOf, type LanguageInfo } from './info.js';
export { SourceError, ToolchainMissingError } from './errors.js';
