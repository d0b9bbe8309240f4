import { assertKnownOptions, type InvalidationBus } from '@cachestack/core';
import { createNamespace } from '../harness.js';
import type { SuiteHarness } from '../suite/suite.js';
import { FaultInjectingBus } from './fault-injecting-bus.js';

/**
 * A cache with a local (per-process) copy of entries over a store shared by
 * every node of the namespace, such as a `TieredBackend` with a memory L1,
 * a shared L2 and `invalidation: { bus, namespace, origin }`. A
 * `BaseBackend` fits.
 */
export interface BusNode {
  /** Reads `key` (the local copy first). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Writes `key` to the shared store, then publishes its invalidation on the bus. */
  set(key: string, value: Uint8Array): Promise<void>;
  /** Stops the node (optional; the kit calls it when the test ends). */
  close?(): Promise<void>;
}

/** What the kit passes to {@link InvalidationBusConformanceOptions.createNode}. */
export interface BusNodeContext {
  /** The test's namespace: every node of it shares one store. */
  namespace: string;
  /** The node's bus (the kit's fault-injecting wrapper around a bus from `createBus`). */
  bus: InvalidationBus;
  /** A unique origin for the node's messages. */
  origin: string;
  /** The documented bound: a local copy must never live longer than this, in ms (e.g. the L1's `maxTtlMs`). */
  localTtlCapMs: number;
}

/** Options of {@link describeInvalidationBusConformance}. */
export interface InvalidationBusConformanceOptions {
  /**
   * A new bus handle (one per simulated process) for the test's namespace:
   * handles of one namespace reach each other, handles of other namespaces
   * must not matter (use the namespace as channel, or share a channel).
   */
  createBus: (context: { namespace: string }) => InvalidationBus | Promise<InvalidationBus>;
  /** A node using `context.bus`; omitted: only the bus group runs. */
  createNode?: (context: BusNodeContext) => BusNode | Promise<BusNode>;
  /**
   * Makes `bus` lose its connection and reconnect (e.g. `CLIENT KILL` of its
   * subscriber connection); resolves once it is reconnecting. Omitted: the
   * reconnect case is skipped (visibly).
   */
  reconnect?: (bus: InvalidationBus) => Promise<void>;
  /**
   * How long a message may take from `publish` to the subscribers, in ms.
   * @default 1000
   */
  deliveryMs?: number;
  /** Runs after each test, after the kit closed its nodes and buses. */
  cleanup?: () => Promise<void>;
}

/** Options with defaults. */
export interface ResolvedBusOptions extends InvalidationBusConformanceOptions {
  readonly deliveryMs: number;
}

const OPTION_NAMES = Object.keys({
  createBus: true,
  createNode: true,
  reconnect: true,
  deliveryMs: true,
  cleanup: true,
} satisfies Record<keyof InvalidationBusConformanceOptions, true>);

function fail(option: string, detail: string): never {
  throw new TypeError(`describeInvalidationBusConformance: option "${option}" ${detail}`);
}

/** Validates options (a `TypeError` naming the option) and fills in defaults. */
export function resolveBusOptions(options: InvalidationBusConformanceOptions): ResolvedBusOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  assertKnownOptions(options, OPTION_NAMES, 'describeInvalidationBusConformance');
  if (typeof options.createBus !== 'function')
    fail('createBus', 'must be a function returning a bus');
  for (const name of ['createNode', 'reconnect', 'cleanup'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail(name, 'must be a function');
  }
  const deliveryMs = options.deliveryMs ?? 1_000;
  if (typeof deliveryMs !== 'number' || !Number.isFinite(deliveryMs) || deliveryMs <= 0) {
    fail('deliveryMs', `must be a finite number > 0, got ${String(deliveryMs)}`);
  }
  return { ...options, deliveryMs };
}

/** The per-test fixture of the bus kit. */
export class BusHarness implements SuiteHarness {
  /** This test's namespace. */
  readonly namespace = createNamespace();
  /** The resolved options. */
  readonly options: ResolvedBusOptions;
  readonly #buses: InvalidationBus[] = [];
  readonly #nodes: BusNode[] = [];
  #origins = 0;

  constructor(options: ResolvedBusOptions) {
    this.options = options;
  }

  /** A new bus handle, wrapped for fault injection; closed when the test ends. */
  async bus(): Promise<FaultInjectingBus> {
    const bus = new FaultInjectingBus(await this.options.createBus({ namespace: this.namespace }));
    this.#buses.push(bus);
    return bus;
  }

  /** A node on a new bus handle; both closed when the test ends. */
  async node(localTtlCapMs: number): Promise<{ node: BusNode; bus: FaultInjectingBus }> {
    const createNode = this.options.createNode;
    if (createNode === undefined) throw new TypeError('createNode was not given');
    const bus = await this.bus();
    this.#origins += 1;
    const node = await createNode({
      namespace: this.namespace,
      bus,
      origin: `${this.namespace}-node${this.#origins}`,
      localTtlCapMs,
    });
    this.#nodes.push(node);
    return { node, bus };
  }

  /** Closes nodes, then buses (errors ignored), then runs the user's cleanup. */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.#nodes.splice(0).map((node) => node.close?.()));
    await Promise.allSettled(this.#buses.splice(0).map((bus) => bus.close()));
    await this.options.cleanup?.();
  }
}
