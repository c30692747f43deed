/**
 * definePolicy(): what it refuses, with which error code, and how it normalises what it accepts.
 */
import { describe, expect, it } from 'vitest';
import {
  ALLOW, ERRNO, KILL_PROCESS, LOG, PolicyError, TRAP, USER_NOTIF, definePolicy, type PolicyErrorCode, type PolicyInput,
  type RuleInput,
} from '../../dist/seccomp/index.js';

const EPERM = ERRNO(1);
const reason = 'a reason';

function refuses(input: PolicyInput, code: PolicyErrorCode, message: RegExp): PolicyError {
  let caught: unknown;
  try {
    definePolicy(input);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PolicyError);
  const err = caught as PolicyError;
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
  return err;
}

const policy = (...rules: RuleInput[]): PolicyInput => ({ defaultAction: ALLOW, rules });

describe('definePolicy refuses', () => {
  it('an empty policy', () => {
    refuses({ defaultAction: ALLOW, rules: [] }, 'empty', /no rules/);
    refuses({ defaultAction: KILL_PROCESS, rules: [] }, 'empty', /no rules/);
  });

  it('an unknown syscall, naming it and the rule', () => {
    const err = refuses(policy({ syscall: 'sokcet', action: EPERM, reason }), 'unknown-syscall', /unknown syscall "sokcet"/);
    expect(err.ruleIndex).toBe(0);
    expect(err.syscall).toBe('sokcet');
  });

  it('a syscall missing on an architecture the rule applies to, unless onlyOn says so', () => {
    refuses(policy({ syscall: 'fork', action: EPERM, reason }), 'unknown-syscall', /fork does not exist on aarch64 .*x86_64.*onlyOn/);
    expect(definePolicy(policy({ syscall: 'fork', action: EPERM, reason, onlyOn: ['x86_64'] })).rules[0]!.onlyOn).toEqual(['x86_64']);
    refuses(policy({ syscall: 'fork', action: EPERM, reason, onlyOn: ['aarch64'] }), 'unknown-syscall', /fork does not exist on aarch64/);
  });

  it('two unconditional rules for one syscall with different actions (conflict)', () => {
    const err = refuses(policy({ syscall: 'socket', action: EPERM, reason }, { syscall: 'read', action: EPERM, reason },
      { syscall: 'socket', action: KILL_PROCESS, reason }), 'conflict', /disagree: ERRNO\(1\) \(rule 0\) and KILL_PROCESS/);
    expect(err.ruleIndex).toBe(2);
  });

  it('an exact duplicate (unconditional and conditional)', () => {
    refuses(policy({ syscall: 'socket', action: EPERM, reason }, { syscall: 'socket', action: EPERM, reason: 'again' }),
      'duplicate', /second unconditional rule for socket/);
    const cond = { arg: 1, op: 'eq', value: 5 } as const;
    refuses(policy({ syscall: 'ioctl', action: EPERM, when: [cond], reason }, { syscall: 'ioctl', action: EPERM, when: [cond], reason }),
      'duplicate', /same conditions as rule 0, with the same action/);
  });

  it('the same conditions in another order count as the same rule', () => {
    const a = { arg: 0, op: 'eq', value: 1 } as const;
    const b = { arg: 1, op: 'gt', value: 2 } as const;
    refuses(policy({ syscall: 'ioctl', action: EPERM, when: [a, b], reason }, { syscall: 'ioctl', action: KILL_PROCESS, when: [b, a], reason }),
      'conflict', /could never match/);
  });

  it('the same condition twice in one rule', () => {
    const a = { arg: 0, op: 'eq', value: 1 } as const;
    refuses(policy({ syscall: 'ioctl', action: EPERM, when: [a, a], reason }), 'duplicate', /same condition appears twice/);
  });

  it('an unconditional rule whose action is the default (no-op)', () => {
    refuses(policy({ syscall: 'socket', action: EPERM, reason }, { syscall: 'read', action: ALLOW, reason }), 'no-op',
      /already the default action/);
    refuses({ defaultAction: EPERM, rules: [{ syscall: 'read', action: ALLOW, reason }, { syscall: 'socket', action: ERRNO(1), reason }] },
      'no-op', /already the default/);
  });

  it('a conditional rule that cannot change the outcome (no-op)', () => {
    // No unconditional rule: ALLOW when the default is ALLOW.
    refuses(policy({ syscall: 'ioctl', action: ALLOW, when: [{ arg: 1, op: 'eq', value: 1 }], reason }), 'no-op', /gets anyway/);
    // The unconditional rule would give the same.
    refuses(policy({ syscall: 'clone', action: EPERM, when: [{ arg: 0, op: 'eq', value: 1 }], reason },
      { syscall: 'clone', action: EPERM, reason }), 'no-op', /gets anyway/);
  });

  it('but accepts an exception that matters because a later conditional rule differs', () => {
    const p = definePolicy(policy(
      { syscall: 'ioctl', action: ALLOW, when: [{ arg: 1, op: 'eq', value: 0x5413 }], reason: 'exception first' },
      { syscall: 'ioctl', action: EPERM, when: [{ arg: 1, op: 'masked_eq', mask: 0xff00, value: 0x5400 }], reason: 'then the family' },
    ));
    expect(p.rules).toHaveLength(2);
  });

  it.each([
    ['an argument index outside 0..5', { arg: 6, op: 'eq', value: 0 }, /argument index 6/],
    ['a negative argument index', { arg: -1, op: 'eq', value: 0 }, /argument index -1/],
    ['an unknown comparison', { arg: 0, op: 'contains', value: 0 }, /unknown comparison "contains"/],
    ['a width other than 32 or 64', { arg: 0, op: 'eq', value: 0, width: 16 }, /width 16/],
    ['a 32-bit value that does not fit', { arg: 0, op: 'eq', value: 0x100000000, width: 32 }, /does not fit in 32 bits/],
    ['a 64-bit value that does not fit', { arg: 0, op: 'eq', value: 1n << 64n }, /does not fit in 64 bits/],
    ['an unsafe JS number', { arg: 0, op: 'eq', value: 2 ** 60 }, /must be an integer/],
    ['masked_eq without a mask', { arg: 0, op: 'masked_eq', value: 0 }, /needs a mask/],
    ['masked_eq that can never match', { arg: 0, op: 'masked_eq', mask: 0xf0, value: 0x0f }, /can never match/],
    ['masked_eq with mask 0', { arg: 0, op: 'masked_eq', mask: 0, value: 0 }, /always holds/],
    ['a mask on another comparison', { arg: 0, op: 'eq', mask: 0xff, value: 1 }, /only meaningful with masked_eq/],
  ])('a malformed condition: %s', (_, cond, message) => {
    refuses(policy({ syscall: 'ioctl', action: EPERM, when: [cond as never], reason }), 'invalid', message);
  });

  it.each([
    ['no reason', { syscall: 'socket', action: EPERM, reason: '  ' }, /needs a reason/],
    ['a two-line reason', { syscall: 'socket', action: EPERM, reason: 'one\ntwo' }, /one line/],
    ['an errno out of range', { syscall: 'socket', action: ERRNO(4096), reason }, /not an errno in 0..4095/],
    ['a fractional errno', { syscall: 'socket', action: ERRNO(1.5), reason }, /not an errno/],
    ['an unknown action', { syscall: 'socket', action: { type: 'KILL_THREAD' }, reason }, /unknown action type "KILL_THREAD"/],
    ['an empty onlyOn', { syscall: 'socket', action: EPERM, reason, onlyOn: [] }, /at least one architecture/],
    ['an unknown arch in onlyOn', { syscall: 'socket', action: EPERM, reason, onlyOn: ['mips'] }, /unknown architecture "mips"/],
    ['a repeated arch in onlyOn', { syscall: 'socket', action: EPERM, reason, onlyOn: ['x86_64', 'x86_64'] }, /twice/],
    ['a missing syscall name', { syscall: '', action: EPERM, reason }, /syscall name is missing/],
  ])('a malformed rule: %s', (_, rule, message) => {
    refuses(policy(rule as never), 'invalid', message);
  });

  it('a malformed default action', () => {
    refuses({ defaultAction: ERRNO(-1), rules: [{ syscall: 'socket', action: EPERM, reason }] }, 'invalid', /defaultAction/);
  });
});

describe('definePolicy accepts and normalises', () => {
  it('every action kind', () => {
    const p = definePolicy(policy(
      { syscall: 'socket', action: EPERM, reason }, { syscall: 'ptrace', action: KILL_PROCESS, reason },
      { syscall: 'bpf', action: TRAP, reason }, { syscall: 'mount', action: LOG, reason },
      { syscall: 'exit_group', action: USER_NOTIF, reason }, { syscall: 'chroot', action: ERRNO(0), reason },
    ));
    expect(p.rules.map((r) => r.action.type)).toEqual(['ERRNO', 'KILL_PROCESS', 'TRAP', 'LOG', 'USER_NOTIF', 'ERRNO']);
  });

  it('conditions to unsigned values of their width with an explicit mask', () => {
    const p = definePolicy(policy({ syscall: 'ioctl', action: EPERM, reason, when: [
      { arg: 1, op: 'eq', value: -1, width: 32 }, { arg: 2, op: 'lt', value: -1 }, { arg: 3, op: 'masked_eq', mask: 0xff, value: 0x12 },
    ] }));
    expect(p.rules[0]!.when).toEqual([
      { arg: 1, op: 'eq', value: 0xffffffffn, mask: 0xffffffffn, width: 32 },
      { arg: 2, op: 'lt', value: (1n << 64n) - 1n, mask: (1n << 64n) - 1n, width: 64 },
      { arg: 3, op: 'masked_eq', value: 0x12n, mask: 0xffn, width: 64 },
    ]);
  });

  it('a validated policy validates again unchanged (compile re-validates)', () => {
    const p = definePolicy(policy({ syscall: 'ioctl', action: EPERM, reason, when: [{ arg: 1, op: 'ge', value: 7 }] },
      { syscall: 'fork', action: EPERM, reason, onlyOn: ['x86_64'] }));
    expect(definePolicy(p)).toEqual(p);
  });

  it('the same syscall unconditionally on one arch and conditionally on the other', () => {
    const p = definePolicy(policy(
      { syscall: 'socket', action: EPERM, reason, onlyOn: ['x86_64'] },
      { syscall: 'socket', action: KILL_PROCESS, reason, onlyOn: ['aarch64'] },
    ));
    expect(p.rules).toHaveLength(2);
  });
});
