/**
 * What a run's policy compiles to, computed once and reused: the Landlock plan of each path configuration, and the
 * seccomp filter template of each process knob (one process / more than one).
 *
 * A plan names every entry of each directory it split (the path to a denied directory), so it goes stale when one
 * of those directories changes: their mtimes are recorded, checked before every run (a few stat calls), and a change
 * makes a new plan of a new generation, whose spawner threads replace the old ones (which idle out).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  detectLandlockAbi, LandlockError, ownProcLayer, planLandlock, prepareLandlockPlan, SandboxPathError, type LandlockPlan,
  type PreparedPlan,
} from '../landlock/index.js';
import { hostArch } from '../native/arch.js';
import { SysCallError } from '../native/libc.js';
import { InvalidOptionError, SandboxSetupError } from './errors.js';
import { programTemplateKey, type FilterTemplate, type ProgramFilterTemplate } from './filter-patch.js';
import type { SupportedAbi } from '../landlock/abi.js';
import type { Normalized } from './options.js';
import type { Faults } from './protocol.js';

export interface CachedPlan {
  plan: LandlockPlan;
  stamps: Stamps;
  generation: number;
}

function mtimeOf(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return -1;
  }
}

/** The directories whose entries a plan lists one by one (not /proc and /dev, which are handled by kind). */
function splitDirectories(plan: LandlockPlan): string[] {
  const dirs = new Set<string>();
  for (const r of plan.rules) {
    const d = path.dirname(r.path);
    if (d === '/proc' || d.startsWith('/proc/') || d === '/dev' || d.startsWith('/dev/')) continue;
    if (r.path !== '/') dirs.add(d);
  }
  return [...dirs].sort();
}

type Stamps = Array<[string, number]>;

/** The mtimes of the directories a plan lists one by one, to tell later whether it went stale. */
function stampsOf(plan: LandlockPlan): Stamps {
  return splitDirectories(plan).map((d): [string, number] => [d, mtimeOf(d)]);
}

/** No directory a plan lists has changed since its stamps were taken. */
function fresh(stamps: Stamps): boolean {
  return stamps.every(([d, t]) => mtimeOf(d) === t);
}

type Prebuilt = Record<string, { bytes: string; tidSlots?: number; pidSlots?: number; slots?: number; negSlots?: number }>;

export class PolicyCache {
  private readonly plans = new Map<string, CachedPlan>();
  private generation = 0;
  private readonly ownProc = new Map<SupportedAbi, { prepared: PreparedPlan; stamps: Stamps }>();
  private readonly templates = new Map<string, FilterTemplate>();
  private readonly programTemplates = new Map<string, ProgramFilterTemplate>();
  private prebuilt: Prebuilt | null | undefined;

  /** `faults` (tests): plans are computed afresh for every run, with the faulty probe. */
  constructor(private readonly faults: Faults | null) {}

  /** The Landlock plan for the run's paths; a bad path is the caller's InvalidOptionError, a kernel problem step `landlock`. */
  plan(o: Normalized): CachedPlan {
    const key = JSON.stringify([o.readDenyPaths, o.writeAllowPaths, o.landlockAbi]);
    const cached = this.plans.get(key);
    if (cached && !this.faults && fresh(cached.stamps)) return cached;
    const probe = this.faults?.landlockProbe;
    try {
      const plan = planLandlock({ readDenyPaths: o.readDenyPaths, writeAllowPaths: o.writeAllowPaths },
        { atMost: o.landlockAbi, ...(probe ? { probe: () => probe } : {}) });
      const entry: CachedPlan = { plan, stamps: stampsOf(plan), generation: ++this.generation };
      if (!this.faults) this.plans.set(key, entry);
      return entry;
    } catch (e) {
      if (e instanceof SandboxPathError) throw new InvalidOptionError(`config.${e.list}`, e.path, e.message);
      if (e instanceof LandlockError || e instanceof SysCallError) {
        const se = e as Error & { errno?: number; call?: string };
        throw new SandboxSetupError('landlock', e.message, {
          call: se.call ?? 'landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)',
          ...(typeof se.errno === 'number' ? { errno: se.errno } : {}), cause: e,
        });
      }
      throw e;
    }
  }

  /**
   * The own-/proc layer (every run's second Landlock layer, without the program's /proc/PID) at the run's ABI (that
   * of its policy plan), its paths opened once (prepareLandlockPlan) and prepared again when a directory it lists
   * changes, as the policy plans are computed again.
   */
  ownProcLayer(abi: SupportedAbi): PreparedPlan {
    const cached = this.ownProc.get(abi);
    if (cached && fresh(cached.stamps)) return cached.prepared;
    const plan = ownProcLayer(detectLandlockAbi(undefined, abi));
    const stamps = stampsOf(plan);
    const prepared = prepareLandlockPlan(plan);
    cached?.prepared.close();
    this.ownProc.set(abi, { prepared, stamps });
    return prepared;
  }

  /** Closes what the cache holds open (the own-/proc layers' rule fds). */
  close(): void {
    for (const c of this.ownProc.values()) c.prepared.close();
    this.ownProc.clear();
  }

  private loadPrebuilt(): Prebuilt | null {
    if (this.prebuilt === undefined) {
      try {
        this.prebuilt = JSON.parse(readFileSync(new URL('./filter-templates.json', import.meta.url), 'utf8')) as Prebuilt;
      } catch {
        this.prebuilt = null;
      }
    }
    return this.prebuilt;
  }

  /**
   * A filter template by key: from the cache, else the build's prebuilt file (`fromFile` reads its entry, or says it
   * has none), else compiled now (`compileNow`, which loads the seccomp compiler), once.
   */
  private async template<T>(cache: Map<string, T>, key: string, fromFile: (p: Prebuilt[string]) => T | null,
    compileNow: () => Promise<T>): Promise<T> {
    let t = cache.get(key);
    if (t) return t;
    const p = this.loadPrebuilt()?.[key];
    t = (p ? fromFile(p) : null) ?? await compileNow();
    cache.set(key, t);
    return t;
  }

  /**
   * The template of the program's own filter (program-filter.ts) for the run's process knob and Landlock ABI:
   * prebuilt by the build like the spawner's, compiled here, once, without it.
   */
  programFilterTemplate(processes: number, abi: SupportedAbi): Promise<ProgramFilterTemplate> {
    return this.template(this.programTemplates, programTemplateKey(hostArch(), processes, abi),
      (p) => (p.slots === undefined || p.negSlots === undefined ? null
        : { bytes: new Uint8Array(Buffer.from(p.bytes, 'base64')), slots: p.slots, negSlots: p.negSlots }),
      async () => (await import('./program-filter.js')).programFilterTemplate(processes, abi));
  }

  /**
   * The filter template of a policy: the filters only differ between one process and more than one, and the
   * build compiles both for each architecture (scripts/build-filters.mjs), so a run normally loads neither the
   * seccomp compiler nor the syscall tables. Without that file, it is compiled here, once.
   */
  filterTemplate(processes: number): Promise<FilterTemplate> {
    return this.template(this.templates, `${hostArch()}/${processes === 1 ? '1' : 'n'}`,
      (p) => (p.tidSlots === undefined || p.pidSlots === undefined ? null
        : { bytes: new Uint8Array(Buffer.from(p.bytes, 'base64')), tidSlots: p.tidSlots, pidSlots: p.pidSlots }),
      async () => (await import('./filter.js')).spawnerFilterTemplate(processes));
  }
}
