/**
 * A prepared plan (prepareLandlockPlan: a plan's paths opened once, for one ruleset per run) on the live kernel.
 * Building a ruleset restricts nothing, so this runs on the main thread: what is checked is the fds it holds, that
 * each build is a ruleset of its own, and that the checks of a one-off build still apply to the rules added later.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addLandlockRules, detectLandlockAbi, ownProcLayer, ownProcRule, prepareLandlockPlan,
} from '../../dist/landlock/index.js';
import { close } from '../../dist/native/libc.js';

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const target = (fd: number) => fs.readlinkSync(`/proc/self/fd/${fd}`);

describe('prepareLandlockPlan', () => {
  it('holds one O_PATH fd per rule until close(), then holds none and refuses to build', () => {
    const plan = ownProcLayer(detectLandlockAbi());
    const before = fdCount();
    const prepared = prepareLandlockPlan(plan);
    expect(fdCount() - before).toBe(plan.rules.length);
    prepared.close();
    expect(fdCount()).toBe(before);
    expect(() => prepared.build()).toThrow(/built after it was closed/);
    prepared.close(); // twice is harmless
  });

  it('each build is a new Landlock ruleset fd, independent of the others', () => {
    const prepared = prepareLandlockPlan(ownProcLayer(detectLandlockAbi()));
    try {
      const a = prepared.build();
      const b = prepared.build();
      addLandlockRules(b, [ownProcRule(process.pid)]);
      expect(a).not.toBe(b);
      expect(target(a)).toBe('anon_inode:[landlock-ruleset]');
      expect(target(b)).toBe('anon_inode:[landlock-ruleset]');
      addLandlockRules(a, [ownProcRule(process.pid)]);
      close(a);
      close(b);
    } finally {
      prepared.close();
    }
  });

  it('a rule added later is checked like a plan\'s: a symlink where the rule says directory is refused', () => {
    const prepared = prepareLandlockPlan(ownProcLayer(detectLandlockAbi()));
    const fd = prepared.build();
    try {
      const before = fdCount();
      expect(() => addLandlockRules(fd, [{ ...ownProcRule(process.pid), path: '/proc/self' }]))
        .toThrow(expect.objectContaining({ name: 'RulePathChangedError' }));
      expect(fdCount()).toBe(before);
    } finally {
      close(fd);
      prepared.close();
    }
  });
});
