import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createFuzzInputs, type ViolationKind } from '@cachestack/conformance';
import { RedisServer } from '@cachestack/test-support';
import {
  type FullDiskReport,
  fullDiskScenario,
  type ReadOnlyReport,
  readOnlyScenario,
} from './disk-faults.js';
import { type FuzzFinding, fuzzTarget } from './fuzz-campaign.js';
import { fuzzTargets } from './fuzz-targets.js';
import { type KillAdapter, type KillReport, killCampaign } from './kill-campaign.js';
import { requireMountPrivileges } from './mounts.js';
import { rotatingSeed, seedFromEnvironment } from './seed.js';

/** The knobs of a long run, read from the environment by {@link knobsFromEnvironment}. */
export interface CampaignKnobs {
  /** Writers to kill in total, split between file and SQLite (`RELIABILITY_KILLS`). */
  kills: number;
  /** How long to fuzz every adapter in turn, in ms (`RELIABILITY_SOAK_MS`). */
  soakMs: number;
  /** Operations per fuzzed sequence (`RELIABILITY_FUZZ_LENGTH`). */
  fuzzLength: number;
  /** A fixed seed (`RELIABILITY_SEED`), or `undefined` to rotate seeds. */
  seed: number | undefined;
}

/** Defaults of a full long run: 1,000 kills and a 10-minute soak. */
export const FULL_RUN: CampaignKnobs = {
  kills: 1000,
  soakMs: 600_000,
  fuzzLength: 1000,
  seed: undefined,
};

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new TypeError(`${name} must be a whole number >= 0, got ${raw}`);
  return value;
}

/** The knobs from `RELIABILITY_KILLS`, `RELIABILITY_SOAK_MS`, `RELIABILITY_FUZZ_LENGTH` and `RELIABILITY_SEED` ({@link FULL_RUN} by default). */
export function knobsFromEnvironment(): CampaignKnobs {
  const seed = process.env.RELIABILITY_SEED;
  return {
    kills: positiveInteger('RELIABILITY_KILLS', FULL_RUN.kills),
    soakMs: positiveInteger('RELIABILITY_SOAK_MS', FULL_RUN.soakMs),
    fuzzLength: positiveInteger('RELIABILITY_FUZZ_LENGTH', FULL_RUN.fuzzLength),
    seed: seed === undefined || seed === '' ? undefined : seedFromEnvironment(),
  };
}

/** The shell command that reproduces a run with `knobs`. */
export function campaignCommand(knobs: CampaignKnobs): string {
  const env = [`RELIABILITY_KILLS=${knobs.kills}`, `RELIABILITY_SOAK_MS=${knobs.soakMs}`];
  if (knobs.fuzzLength !== FULL_RUN.fuzzLength)
    env.push(`RELIABILITY_FUZZ_LENGTH=${knobs.fuzzLength}`);
  if (knobs.seed !== undefined) env.push(`RELIABILITY_SEED=${knobs.seed}`);
  return `${env.join(' ')} pnpm --filter @cachestack/reliability campaign`;
}

/** One fuzz target's totals over the soak. */
export interface SoakTotals {
  target: string;
  sequences: number;
  calls: number;
  rejectedInvalid: number;
  violations: Partial<Record<ViolationKind, number>>;
  durationMs: number;
}

/** Memory of the campaign process over the soak, in MiB, each sample taken after a full GC. */
export interface MemoryFigures {
  rssFirstMiB: number;
  rssLastMiB: number;
  rssMaxMiB: number;
  heapFirstMiB: number;
  heapLastMiB: number;
}

/** Everything a long run measured; {@link renderReliabilityReport} turns it into docs/reliability.md. */
export interface CampaignRun {
  command: string;
  knobs: CampaignKnobs;
  startedAt: string;
  durationMs: number;
  environment: { node: string; platform: string; cpus: number };
  kills: KillReport[];
  /** The seed each kill campaign used. */
  killSeeds: Record<string, number>;
  soak: {
    durationMs: number;
    seeds: number[];
    totals: SoakTotals[];
    memory: MemoryFigures;
    findings: FuzzFinding[];
  };
  disk: { full: FullDiskReport[]; readOnly: ReadOnlyReport[]; error: string | undefined };
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Memory after a full garbage collection, so that samples compare live data, not garbage. */
function memoryAfterGc(): NodeJS.MemoryUsage {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage();
}

async function runKills(knobs: CampaignKnobs, run: CampaignRun, log: (line: string) => void) {
  const adapters: KillAdapter[] = ['file', 'sqlite'];
  for (const [i, adapter] of adapters.entries()) {
    const kills = i === 0 ? Math.ceil(knobs.kills / 2) : Math.floor(knobs.kills / 2);
    if (kills === 0) continue;
    const seed = knobs.seed ?? rotatingSeed();
    run.killSeeds[adapter] = seed;
    const dir = await mkdtemp(join(tmpdir(), `cachestack-campaign-kill-${adapter}-`));
    try {
      const report = await killCampaign({
        adapter,
        dir,
        rounds: kills,
        kills,
        random: createFuzzInputs(seed),
      });
      run.kills.push(report);
      log(
        `kill ${adapter}: ${report.kills} kills, ${report.acknowledged} acknowledged, ${report.lost.length} lost, ${report.corrupt.length} corrupt`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function runSoak(knobs: CampaignKnobs, run: CampaignRun, log: (line: string) => void) {
  if (knobs.soakMs === 0) return;
  const server = await RedisServer.start();
  try {
    const targets = fuzzTargets(server.url);
    const totals = new Map<string, SoakTotals>();
    const started = Date.now();
    const samples: NodeJS.MemoryUsage[] = [];
    for (let round = 0; Date.now() - started < knobs.soakMs; round++) {
      for (const target of targets) {
        const seed = knobs.seed === undefined ? rotatingSeed() : knobs.seed + round;
        if (run.soak.seeds.length < 1000) run.soak.seeds.push(seed);
        const report = await fuzzTarget(target, {
          seed,
          sequences: 1,
          length: knobs.fuzzLength,
          shrinkBudgetMs: 30_000,
        });
        const sum = totals.get(target.name) ?? {
          target: target.name,
          sequences: 0,
          calls: 0,
          rejectedInvalid: 0,
          violations: {},
          durationMs: 0,
        };
        sum.sequences += report.sequences;
        sum.calls += report.calls;
        sum.rejectedInvalid += report.rejectedInvalid;
        sum.durationMs += report.durationMs;
        for (const [kind, count] of Object.entries(report.violations)) {
          const k = kind as ViolationKind;
          sum.violations[k] = (sum.violations[k] ?? 0) + count;
        }
        totals.set(target.name, sum);
        for (const finding of report.findings) {
          const known = run.soak.findings.some(
            (f) => f.target === finding.target && f.violation.kind === finding.violation.kind,
          );
          if (!known) run.soak.findings.push(finding);
        }
      }
      samples.push(memoryAfterGc());
      if (round % 10 === 0)
        log(
          `soak: ${Math.round((Date.now() - started) / 1000)} s, ${[...totals.values()].reduce((n, t) => n + t.calls, 0)} calls`,
        );
    }
    run.soak.durationMs = Date.now() - started;
    run.soak.totals = [...totals.values()];
    const first = samples[0] ?? process.memoryUsage();
    const last = samples.at(-1) ?? first;
    run.soak.memory = {
      rssFirstMiB: mib(first.rss),
      rssLastMiB: mib(last.rss),
      rssMaxMiB: mib(Math.max(...samples.map((s) => s.rss))),
      heapFirstMiB: mib(first.heapUsed),
      heapLastMiB: mib(last.heapUsed),
    };
  } finally {
    await server.destroy();
  }
}

async function runDisk(run: CampaignRun) {
  try {
    requireMountPrivileges();
  } catch (error) {
    run.disk.error = (error as Error).message;
    return;
  }
  const base = await mkdtemp(join(tmpdir(), 'cachestack-campaign-disk-'));
  try {
    for (const adapter of ['file', 'sqlite'] as const) {
      run.disk.full.push(await fullDiskScenario(adapter, join(base, `full-${adapter}`)));
      run.disk.readOnly.push(await readOnlyScenario(adapter, join(base, `ro-${adapter}`)));
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/**
 * The long run: `knobs.kills` writers killed (half file, half SQLite, 1, 2
 * and 4 at a time), a soak that fuzzes every adapter in turn for
 * `knobs.soakMs` with rotating seeds, and the disk-fault scenarios.
 */
export async function runLongCampaign(
  knobs: CampaignKnobs,
  log: (line: string) => void = () => {},
): Promise<CampaignRun> {
  const started = Date.now();
  const run: CampaignRun = {
    command: campaignCommand(knobs),
    knobs,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: availableParallelism(),
    },
    kills: [],
    killSeeds: {},
    soak: {
      durationMs: 0,
      seeds: [],
      totals: [],
      memory: { rssFirstMiB: 0, rssLastMiB: 0, rssMaxMiB: 0, heapFirstMiB: 0, heapLastMiB: 0 },
      findings: [],
    },
    disk: { full: [], readOnly: [], error: undefined },
  };
  await runKills(knobs, run, log);
  await runSoak(knobs, run, log);
  await runDisk(run);
  run.durationMs = Date.now() - started;
  return run;
}
