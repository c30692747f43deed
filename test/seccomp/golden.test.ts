/**
 * Golden listings of the default policy: any change to the compiled program shows up here as a diff to
 * review. Regenerate deliberately with SECCOMP_UPDATE_GOLDEN=1 npx vitest run test/seccomp/golden.test.ts,
 * and read the diff before committing it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFilterListing } from '../../dist/seccomp/index.js';

const GOLDEN = path.resolve(import.meta.dirname, 'golden');
const update = process.env.SECCOMP_UPDATE_GOLDEN === '1';

describe('golden disassembly of the default policy', () => {
  it.each([
    ['default-x86_64.txt', { arch: 'x86_64', processes: 1 }],
    ['default-aarch64.txt', { arch: 'aarch64', processes: 1 }],
  ] as const)('%s', (file, opts) => {
    const listing = defaultFilterListing(opts);
    const target = path.join(GOLDEN, file);
    if (update) fs.writeFileSync(target, listing);
    expect(fs.existsSync(target), `${target} is missing: run with SECCOMP_UPDATE_GOLDEN=1 to create it`).toBe(true);
    // Compared line by line first, so a failure names the first line that differs.
    const want = fs.readFileSync(target, 'utf8');
    const got = listing.split('\n');
    want.split('\n').forEach((line, i) => expect(got[i], `line ${i + 1}`).toBe(line));
    expect(listing).toBe(want);
  });
});
