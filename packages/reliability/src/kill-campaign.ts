import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzInputs } from '@cachestack/conformance';
import type { BaseBackend, KeyIterable } from '@cachestack/core';
import { FileBackend } from '@cachestack/file';
import { SqliteBackend } from '@cachestack/sqlite';
import { killHard, spawnUntilLine } from '@cachestack/test-support';
import { checkedValue, HOT_KEYS, ownKey, parseCheckedValue } from './writers/checked-value.mjs';

/** The writer process the campaign kills. */
export const KILL_WRITER_SCRIPT = fileURLToPath(
  new URL('./writers/kill-writer.mjs', import.meta.url),
);

/** Adapters whose writers can be killed: both keep entries in local files. */
export type KillAdapter = 'file' | 'sqlite';

/** Options of {@link killCampaign}. */
export interface KillCampaignOptions {
  adapter: KillAdapter;
  /** An empty directory for the store and the ack files. */
  dir: string;
  /** Most kill rounds; each kills every writer of the round once. */
  rounds: number;
  /** Stop once this many writers were killed. @default no limit (all `rounds` run) */
  kills?: number;
  /** Writers per round, cycled through (the campaign used 1, 2 and 4). @default [1, 2, 4] */
  writers?: readonly number[];
  /** Random source of the kill delays (the kit's seeded generator). */
  random: Pick<FuzzInputs, 'int'>;
  /** Longest time a writer runs after "ready" before its kill, in ms. @default 80 */
  maxDelayMs?: number;
  /** Stop starting rounds after this epoch ms (the rounds run so far are checked). */
  deadline?: number;
}

/** What {@link killCampaign} found. */
export interface KillReport {
  adapter: KillAdapter;
  /** `kill -9`s sent (each to a writer in the middle of its writes). */
  kills: number;
  rounds: number;
  /** Own entries whose `set` had resolved (acknowledged) before a kill. */
  acknowledged: number;
  /** Acknowledged entries missing afterwards (must be 0). */
  lost: string[];
  /** Entries that came back with bytes no writer wrote (must be 0). */
  corrupt: string[];
  /** Errors that were not expected (opening, reading, listing), as text (must be empty). */
  errors: string[];
  durationMs: number;
}

function openStore(adapter: KillAdapter, location: string): BaseBackend & KeyIterable {
  return adapter === 'file'
    ? new FileBackend({ directory: location, namespace: 'kill', sweepIntervalMs: 0 })
    : new SqliteBackend({
        path: location,
        namespace: 'kill',
        purgeIntervalMs: 0,
        openCheck: 'quick',
      });
}

async function acknowledged(ackFile: string): Promise<number[]> {
  const text = await readFile(ackFile, 'utf8').catch(() => '');
  // Only whole lines count: a line is written with one write(2) after the set resolved.
  return text
    .split('\n')
    .slice(0, -1)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/**
 * Kills writer processes (`kill -9`) at random points while they write, round
 * after round, then checks with a fresh backend after every round that each
 * entry acknowledged in that round is there with its exact bytes, that the
 * shared hot keys hold a complete value some writer wrote, and — at the end —
 * that every acknowledged entry survived and every listed entry is intact.
 */
export async function killCampaign(options: KillCampaignOptions): Promise<KillReport> {
  const started = Date.now();
  const location = join(options.dir, options.adapter === 'file' ? 'cache' : 'kill.db');
  const cycle = options.writers ?? [1, 2, 4];
  const maxDelayMs = options.maxDelayMs ?? 80;
  const report: KillReport = {
    adapter: options.adapter,
    kills: 0,
    rounds: 0,
    acknowledged: 0,
    lost: [],
    corrupt: [],
    errors: [],
    durationMs: 0,
  };
  const nextSequence = new Map<number, number>();
  const allAcked = new Map<number, number[]>();

  const verify = async (writers: Iterable<[number, number[]]>) => {
    let store: (BaseBackend & KeyIterable) | undefined;
    try {
      store = openStore(options.adapter, location);
      for (const [writer, sequences] of writers) {
        for (const sequence of sequences) {
          const key = ownKey(writer, sequence);
          const value = await store.get(key);
          if (value === undefined) report.lost.push(key);
          else if (!checkedValue(writer, sequence).equals(Buffer.from(value)))
            report.corrupt.push(key);
        }
      }
      for (const key of HOT_KEYS) {
        const value = await store.get(key);
        if (value !== undefined && parseCheckedValue(value) === undefined) report.corrupt.push(key);
      }
      const counted = Number((await store.healthCheck()).details.corruptEntries ?? 0);
      if (counted > 0)
        report.errors.push(`the backend counted ${counted} corrupt entries while verifying`);
    } catch (error) {
      report.errors.push(`verify: ${String(error)}`);
    } finally {
      await store?.close();
    }
  };

  for (let round = 0; round < options.rounds; round++) {
    if (options.deadline !== undefined && Date.now() > options.deadline) break;
    if (options.kills !== undefined && report.kills >= options.kills) break;
    const count = cycle[round % cycle.length] ?? 1;
    const roundAcks = new Map<number, number[]>();
    const writers = Array.from({ length: count }, (_, writer) => writer);
    await Promise.all(
      writers.map(async (writer) => {
        const ackFile = join(options.dir, `acks-${writer}-${round}`);
        await writeFile(ackFile, '');
        const first = nextSequence.get(writer) ?? 0;
        try {
          const child = await spawnUntilLine(
            KILL_WRITER_SCRIPT,
            [options.adapter, location, String(writer), String(first), ackFile],
            'ready',
          );
          await new Promise((resolve) => setTimeout(resolve, options.random.int(maxDelayMs + 1)));
          await killHard(child);
          report.kills++;
        } catch (error) {
          report.errors.push(`writer ${writer} round ${round}: ${String(error)}`);
        }
        const acks = await acknowledged(ackFile);
        roundAcks.set(writer, acks);
        allAcked.set(writer, [...(allAcked.get(writer) ?? []), ...acks]);
        report.acknowledged += acks.length;
        if (acks.length > 0) nextSequence.set(writer, Math.max(...acks) + 1);
      }),
    );
    report.rounds++;
    await verify(roundAcks);
  }
  const lostBefore = new Set(report.lost);
  await verify(allAcked);
  // The final pass re-finds what the rounds found; keep each key once.
  report.lost = [...new Set([...lostBefore, ...report.lost])];
  report.corrupt = [...new Set(report.corrupt)];
  await listAndCheck(options.adapter, location, report);
  report.durationMs = Date.now() - started;
  return report;
}

/** Lists every entry and checks each is a complete value some writer wrote. */
async function listAndCheck(
  adapter: KillAdapter,
  location: string,
  report: KillReport,
): Promise<void> {
  let store: (BaseBackend & KeyIterable) | undefined;
  try {
    store = openStore(adapter, location);
    for await (const key of store.keys()) {
      const value = await store.get(key);
      if (value !== undefined && parseCheckedValue(value) === undefined) report.corrupt.push(key);
    }
    const health = await store.healthCheck();
    const corruptEntries = Number(health.details.corruptEntries ?? 0);
    if (!health.healthy) report.errors.push(`healthCheck after the kills: ${health.error}`);
    if (corruptEntries > 0)
      report.errors.push(`healthCheck counted ${corruptEntries} corrupt entries`);
  } catch (error) {
    report.errors.push(`list: ${String(error)}`);
  } finally {
    await store?.close();
  }
}
