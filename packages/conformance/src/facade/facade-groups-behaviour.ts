import { check, describeValue, expectResolves, sleep, violation } from '../assertions.js';
import type { SuiteCase, SuiteGroup } from '../suite/suite.js';
import {
  type CacheFacade,
  type FacadeEventName,
  type FacadeHarness,
  type FacadeStats,
  type ResolvedCacheConformanceOptions,
  unlessClaimed,
} from './facade-options.js';

type FacadeCase = SuiteCase<FacadeHarness, ResolvedCacheConformanceOptions>;
type FacadeGroup = SuiteGroup<FacadeHarness, ResolvedCacheConformanceOptions>;

/** Concurrent getOrSet callers in the single-flight cases. */
const CALLERS = 16;

function method<K extends keyof CacheFacade>(
  facade: CacheFacade,
  name: K,
  feature: string,
): NonNullable<CacheFacade[K]> {
  const found = facade[name];
  if (typeof found !== 'function') {
    violation(
      `a claimed feature must be implemented ('${feature}')`,
      `the facade has no ${String(name)}() method`,
    );
  }
  return (found as (...args: never[]) => unknown).bind(facade) as NonNullable<CacheFacade[K]>;
}

/** A loader that counts its calls and resolves `value` after a few ms. */
function countingLoader(
  value: unknown,
  delayMs = 20,
): { calls: () => number; load: () => Promise<unknown> } {
  let calls = 0;
  return {
    calls: () => calls,
    load: async () => {
      calls += 1;
      await sleep(delayMs);
      return value;
    },
  };
}

const singleFlight: FacadeCase = {
  name: `${CALLERS} concurrent getOrSet callers of a missing key share exactly one loader call`,
  why: 'catches facades without single-flight, where a hot key that expires sends every concurrent caller to the database (a stampede)',
  run: async (harness) => {
    const getOrSet = method(await harness.create(), 'getOrSet', 'getOrSet');
    const loader = countingLoader({ n: 1 });
    const rule = 'concurrent getOrSet callers must share one loader call';
    const results = await Promise.all(
      Array.from({ length: CALLERS }, () => getOrSet('hot', loader.load)),
    );
    check(
      loader.calls() === 1,
      rule,
      `the loader ran ${loader.calls()} times for ${CALLERS} callers`,
    );
    for (const result of results) {
      check((result as { n?: number })?.n === 1, rule, `a caller got ${describeValue(result)}`);
    }
  },
};

const keysDoNotShareFlights: FacadeCase = {
  name: 'concurrent getOrSet calls of different keys each run their own loader',
  why: 'catches single-flight keyed too coarsely (one flight for every key), which hands one key the value of another',
  run: async (harness) => {
    const getOrSet = method(await harness.create(), 'getOrSet', 'getOrSet');
    const rule = 'getOrSet of different keys must not share a load';
    const [a, b] = await Promise.all([
      getOrSet('key-a', countingLoader('A').load),
      getOrSet('key-b', countingLoader('B').load),
    ]);
    check(a === 'A' && b === 'B', rule, `got ${describeValue(a)} and ${describeValue(b)}`);
  },
};

const failureReachesEveryWaiter: FacadeCase = {
  name: 'a loader failure reaches every waiting caller, and nothing is cached',
  why: 'catches facades where only the first caller sees the error and the joiners get undefined (or hang), or where the failure is cached so the next call never retries',
  run: async (harness) => {
    const getOrSet = method(await harness.create(), 'getOrSet', 'getOrSet');
    const rule = 'a loader failure must reach every waiter and must not be cached';
    const failure = new Error('loader failed on purpose');
    const failing = async () => {
      await sleep(20);
      throw failure;
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: CALLERS }, () => getOrSet('fails', failing)),
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled')
        violation(rule, `a waiter resolved ${describeValue(outcome.value)}`);
      const message = (outcome.reason as Error)?.message ?? '';
      check(
        message.includes('loader failed on purpose'),
        rule,
        `a waiter got another error: ${String(message)}`,
      );
    }
    const retried = await expectResolves(
      getOrSet('fails', async () => 'second try'),
      rule,
    );
    check(
      retried === 'second try',
      rule,
      `after the failure getOrSet returned ${describeValue(retried)} instead of loading again`,
    );
  },
};

const noLoadAfterHit: FacadeCase = {
  name: 'getOrSet never calls the loader when a fresh value is there',
  why: 'catches facades that reload on every call (the cache does nothing) or ignore values written by set',
  run: async (harness) => {
    const facade = await harness.create();
    const getOrSet = method(facade, 'getOrSet', 'getOrSet');
    const rule = 'no loader call after a hit';
    await facade.set('present', 'stored');
    const loader = countingLoader('loaded');
    check(
      (await getOrSet('present', loader.load)) === 'stored',
      rule,
      'getOrSet did not return the stored value',
    );
    check(
      (await getOrSet('loaded', loader.load)) === 'loaded',
      rule,
      'getOrSet did not return the loaded value',
    );
    const again = await getOrSet('loaded', loader.load);
    check(
      again === 'loaded' && loader.calls() === 1,
      rule,
      `the loader ran ${loader.calls()} times (once expected)`,
    );
  },
};

/** getOrSet single-flight. */
export const facadeGetOrSetGroup: FacadeGroup = {
  name: 'getOrSet',
  description:
    'single-flight: N concurrent callers, one loader call; a failure reaches every waiter and is not cached; no loader call after a hit',
  skip: unlessClaimed('getOrSet'),
  cases: [singleFlight, keysDoNotShareFlights, failureReachesEveryWaiter, noLoadAfterHit],
};

/** The scripted sequence of the stats and events cases. */
async function script(facade: CacheFacade): Promise<void> {
  await facade.set('a', 1);
  await facade.get('a'); // hit
  await facade.get('b'); // miss
  await facade.delete('a'); // existed
  await facade.delete('a'); // did not exist
  const getOrSet = facade.getOrSet?.bind(facade);
  if (getOrSet !== undefined) {
    await getOrSet('c', async () => 'loaded'); // miss, one load, one set
    await getOrSet('c', async () => 'not called'); // hit
  }
}

const statsExact: FacadeCase = {
  name: 'stats count a scripted sequence exactly',
  why: 'catches counters that drift (a delete of a missing key counted, a getOrSet hit counted as a miss, a load not counted), which make dashboards lie',
  run: async (harness) => {
    const facade = await harness.create();
    const stats = method(facade, 'stats', 'stats');
    method(facade, 'resetStats', 'stats')();
    await script(facade);
    const withLoads = facade.getOrSet !== undefined;
    const expected: Partial<FacadeStats> = {
      hits: withLoads ? 2 : 1,
      misses: withLoads ? 2 : 1,
      sets: withLoads ? 2 : 1,
      deletes: 1,
      ...(withLoads ? { loaderCalls: 1, stampedesAvoided: 0 } : {}),
    };
    const actual = stats();
    for (const [name, value] of Object.entries(expected)) {
      check(
        actual[name as keyof FacadeStats] === value,
        'stats must count exactly',
        `after set a, get a, get b, delete a ×2${withLoads ? ', getOrSet c ×2' : ''}: ${name} is ${String(actual[name as keyof FacadeStats])}, expected ${value}`,
      );
    }
  },
};

const stampedeCounted: FacadeCase = {
  name: 'stats count a stampede exactly: loaderCalls and sets per load, the other callers as avoided',
  why: 'catches facades that count every joiner as a load (loaderCalls inflated) or do not count avoided stampedes; judged against the loader calls actually made',
  skip: unlessClaimed('getOrSet'),
  run: async (harness) => {
    const facade = await harness.create();
    const stats = method(facade, 'stats', 'stats');
    method(facade, 'resetStats', 'stats')();
    const getOrSet = method(facade, 'getOrSet', 'getOrSet');
    const loader = countingLoader('v');
    await Promise.all(Array.from({ length: CALLERS }, () => getOrSet('hot', loader.load)));
    const actual = stats();
    const loads = loader.calls();
    const rule = 'a stampede must be counted exactly';
    check(
      actual.loaderCalls === loads,
      rule,
      `loaderCalls is ${actual.loaderCalls}, the loader ran ${loads} times`,
    );
    check(actual.sets === loads, rule, `sets is ${actual.sets} after ${loads} loads`);
    check(
      actual.stampedesAvoided === CALLERS - loads,
      rule,
      `stampedesAvoided is ${actual.stampedesAvoided}, expected ${CALLERS - loads} (${CALLERS} callers, ${loads} loads)`,
    );
  },
};

/** Stats counted exactly. */
export const facadeStatsGroup: FacadeGroup = {
  name: 'stats',
  description: 'counters after a scripted sequence and after a stampede are exact',
  skip: unlessClaimed('stats'),
  cases: [statsExact, stampedeCounted],
};

const eventsExact: FacadeCase = {
  name: 'events of a scripted sequence are emitted exactly, in order',
  why: 'catches missing events (no delete event for a missing key), duplicated events, or wrong payloads (existed always true)',
  run: async (harness) => {
    const facade = await harness.create();
    const on = method(facade, 'on', 'events');
    const seen: string[] = [];
    for (const event of ['hit', 'miss', 'set', 'delete'] as FacadeEventName[]) {
      on(event, (payload) => {
        seen.push(
          event === 'delete'
            ? `delete ${payload.key} ${String(payload.existed)}`
            : `${event} ${payload.key}`,
        );
      });
    }
    await script(facade);
    const expected = ['set a', 'hit a', 'miss b', 'delete a true', 'delete a false'];
    if (facade.getOrSet !== undefined) expected.push('miss c', 'set c', 'hit c');
    check(
      JSON.stringify(seen) === JSON.stringify(expected),
      'events must be emitted exactly',
      `expected ${JSON.stringify(expected)}, got ${JSON.stringify(seen)}`,
    );
  },
};

/** Events emitted exactly. */
export const facadeEventsGroup: FacadeGroup = {
  name: 'events',
  description: 'hit, miss, set and delete events of a scripted sequence, exactly and in order',
  skip: unlessClaimed('events'),
  cases: [eventsExact],
};

const tagInvalidatedEverywhere: FacadeCase = {
  name: 'a value set with a tag is never returned after invalidateTags of that tag, through another facade on the store',
  why: 'catches tag invalidation kept in the facade instance (another process keeps serving the value) and entries with two tags invalidated by one only',
  run: async (harness) => {
    const writer = await harness.create();
    const reader = await harness.create();
    const invalidate = method(writer, 'invalidateTags', 'tags');
    const rule = 'a tagged value must never be returned after invalidateTags';
    await writer.set('t1', 'one', { tags: ['team'] });
    await writer.set('t2', 'two', { tags: ['other', 'team'] });
    check(
      (await reader.get('t1')) === 'one',
      rule,
      'the reader did not see the tagged value before invalidation',
    );
    await invalidate(['team']);
    for (const facade of [reader, writer]) {
      for (const key of ['t1', 't2']) {
        const read = await facade.get(key);
        check(
          read === undefined,
          rule,
          `${key} was returned (${describeValue(read)}) after invalidateTags(['team'])`,
        );
      }
    }
    if (reader.getOrSet !== undefined) {
      const loaded = await reader.getOrSet('t1', async () => 'reloaded', { tags: ['team'] });
      check(
        loaded === 'reloaded',
        rule,
        `getOrSet returned ${describeValue(loaded)} instead of loading again`,
      );
    }
  },
};

const othersUntouched: FacadeCase = {
  name: 'invalidateTags leaves untagged values and values of other tags untouched',
  why: 'catches invalidation implemented as clear() or as a prefix delete that takes unrelated entries with it',
  run: async (harness) => {
    const writer = await harness.create();
    const reader = await harness.create();
    const invalidate = method(writer, 'invalidateTags', 'tags');
    const rule = 'invalidateTags must not touch other entries';
    await writer.set('plain', 'untagged');
    await writer.set('kept', 'other tag', { tags: ['kept-tag'] });
    await writer.set('gone', 'tagged', { tags: ['drop'] });
    await invalidate(['drop', 'never-used']);
    check((await reader.get('plain')) === 'untagged', rule, 'an untagged value disappeared');
    check((await reader.get('kept')) === 'other tag', rule, 'a value of another tag disappeared');
  },
};

const tagUsableAgain: FacadeCase = {
  name: 'a value set with a tag after invalidateTags of that tag is returned',
  why: 'catches invalidation that poisons a tag forever (every later value with it is a miss), which silently disables caching',
  run: async (harness) => {
    const writer = await harness.create();
    const reader = await harness.create();
    const invalidate = method(writer, 'invalidateTags', 'tags');
    const rule = 'a tag stays usable after invalidateTags';
    await writer.set('k', 'old', { tags: ['team'] });
    await invalidate(['team']);
    await reader.set('k', 'new', { tags: ['team'] });
    check(
      (await writer.get('k')) === 'new',
      rule,
      'the value written after the invalidation is a miss',
    );
  },
};

/** Tag invalidation across two facades on one store. */
export const facadeTagsGroup: FacadeGroup = {
  name: 'tags',
  description:
    'invalidateTags across two facades on one shared store: tagged values never returned after it, others untouched, the tag usable again',
  skip: unlessClaimed('tags'),
  cases: [tagInvalidatedEverywhere, othersUntouched, tagUsableAgain],
};
