#!/usr/bin/env node
// Thin on purpose: parsing, running and every message live in src/cli/main.ts, here as its bundle (dist/bundle/main.js,
// scripts/bundle.mjs: one file to load instead of dozens). This file only turns main()'s answer into the process's
// exit code, after the library's threads are shut down and output is flushed (no process.exit, which could cut a
// pending write).
import { main, oneLine, shutdown } from '../dist/bundle/main.js';

let code;
try {
  code = await main(process.argv.slice(2));
} catch (e) {
  // main() reports every expected failure itself; this is a bug, still worded as one line with exit 125.
  process.stderr.write(`simple-cp-sandbox: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
  code = 125;
}
try {
  await shutdown();
} catch (e) {
  process.stderr.write(`simple-cp-sandbox: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
}
process.exitCode = code;
