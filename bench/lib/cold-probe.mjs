// Where a CLI cold start goes, measured inside one fresh process: what the bin does (import dist/bundle/main.js,
// main(argv), shutdown()), with a performance.now() mark (ms since the process started) after each step. Prints
// the marks as one JSON line on stderr; the caller adds the total it saw from outside.
const boot = performance.now();
const { main, shutdown } = await import('../../dist/bundle/main.js');
const imported = performance.now();
const code = await main(process.argv.slice(2));
const ran = performance.now();
await shutdown();
const shut = performance.now();
process.stderr.write(`${JSON.stringify({ boot, imported, ran, shut, code })}\n`);
process.exitCode = code;
