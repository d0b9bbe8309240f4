import type { OperationTraceContext } from '@cachestack/core';
import type { Attributes } from '@opentelemetry/api';

/**
 * The attribute names this package records, on spans and metrics. Dots in
 * the names become underscores in Prometheus (`cachestack_backend_type`).
 */
export const ATTRIBUTE_NAMES = {
  /** Which channel the operation came from: `backend`, `tiered`, `cache` or `http`. */
  layer: 'cachestack.layer',
  /** The instance's `backendType` (`memory`, `redis`, `tiered`, `cache`...). */
  backendType: 'cachestack.backend.type',
  /** The instance's namespace, when it has one. */
  namespace: 'cachestack.namespace',
  /** The operation (`get`, `set`, `getOrSet`...). */
  operation: 'cachestack.operation',
  /** How it ended: `hit`, `miss`, `partial`, `ok`, `error`, or a layer's own (`stale`...). */
  outcome: 'cachestack.outcome',
  /** The tier a tiered operation reports: the position (0 = L1) of the one that answered a read. */
  tier: 'cachestack.tier',
  /** The `backendType` of that tier (`memory`, `redis`...). */
  tierBackendType: 'cachestack.tier.backend.type',
  /** On lookup counters: `hit`, `miss`, or a layer's own outcome (`stale`...). */
  result: 'cachestack.result',
  /** The failure's `BackendError` type (`TRANSIENT`, `TIMEOUT`...), or the error's name. */
  errorType: 'cachestack.error.type',
  /** The failure's `BackendError` code (`CLOSED`, `CIRCUIT_OPEN`...). */
  errorCode: 'cachestack.error.code',
  /** On spans only, and only with `recordKeys: true`: the key. */
  key: 'cachestack.key',
  /** On batch spans: how many keys the operation names. */
  keyCount: 'cachestack.key_count',
  /** On batch read spans: how many keys were found. */
  hits: 'cachestack.hits',
  /** On breaker metrics: what the breaker guards (a tier or backend name). */
  breakerName: 'cachestack.breaker.name',
  /** On the breaker transition counter: the state it left. */
  breakerFrom: 'cachestack.breaker.from',
  /** On the breaker transition counter: the state it entered. */
  breakerTo: 'cachestack.breaker.to',
  /** On invalidation metrics: the source (`redis-bus`, `local-bus`, `redis-tracking`...). */
  invalidationSource: 'cachestack.invalidation.source',
  /** On invalidation metrics: `received`, `published` or `flush`. */
  invalidationKind: 'cachestack.invalidation.kind',
} as const;

/** Context fields that are mapped explicitly (the rest are layer fields). */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'backendType',
  'namespace',
  'operation',
  'key',
  'keyCount',
  'startedAt',
  'durationMs',
  'outcome',
  'hits',
  'error',
  'errorType',
  'errorCode',
  'tier',
  'tierBackendType',
]);

/**
 * Layer fields that can name a key or a request target (personal data):
 * recorded on spans only with `recordKeys: true`, like the key itself.
 */
const KEY_LIKE_FIELDS: ReadonlySet<string> = new Set(['keys', 'url', 'path', 'target', 'tag']);

/** The layer name of a tracing channel (`cachestack:backend` → `backend`). */
export function layerOf(channelName: string): string {
  const colon = channelName.indexOf(':');
  return colon === -1 ? channelName : channelName.slice(colon + 1);
}

/**
 * The low-cardinality attributes of a settled operation, shared by its
 * duration histogram and its counters: never the key, never a value.
 */
export function metricAttributes(layer: string, context: OperationTraceContext): Attributes {
  const attributes: Attributes = {
    [ATTRIBUTE_NAMES.layer]: layer,
    [ATTRIBUTE_NAMES.backendType]: context.backendType,
    [ATTRIBUTE_NAMES.operation]: context.operation,
  };
  if (context.namespace !== undefined) attributes[ATTRIBUTE_NAMES.namespace] = context.namespace;
  addTier(attributes, context);
  return attributes;
}

/** Adds the tier a tiered operation reports (its position and backend type), when it does. */
function addTier(attributes: Attributes, context: OperationTraceContext): void {
  const { tier, tierBackendType } = context;
  if (typeof tier === 'string' || typeof tier === 'number') attributes[ATTRIBUTE_NAMES.tier] = tier;
  if (typeof tierBackendType === 'string') {
    attributes[ATTRIBUTE_NAMES.tierBackendType] = tierBackendType;
  }
}

/** The attributes a span gets when it starts. */
export function startAttributes(
  layer: string,
  context: OperationTraceContext,
  recordKeys: boolean,
): Attributes {
  const attributes = metricAttributes(layer, context);
  if (recordKeys && context.key !== undefined) attributes[ATTRIBUTE_NAMES.key] = context.key;
  if (context.keyCount !== undefined) attributes[ATTRIBUTE_NAMES.keyCount] = context.keyCount;
  return attributes;
}

/**
 * The attributes a span gets when its operation settled: the outcome,
 * batch hits, the tier and the error's type and code, plus the layer's own
 * primitive fields as `cachestack.<field>` (key-like ones only with
 * `recordKeys`).
 */
export function endAttributes(context: OperationTraceContext, recordKeys: boolean): Attributes {
  const attributes: Attributes = {};
  if (context.outcome !== undefined) attributes[ATTRIBUTE_NAMES.outcome] = context.outcome;
  if (context.hits !== undefined) attributes[ATTRIBUTE_NAMES.hits] = context.hits;
  addTier(attributes, context);
  if (context.errorType !== undefined) attributes[ATTRIBUTE_NAMES.errorType] = context.errorType;
  if (context.errorCode !== undefined) attributes[ATTRIBUTE_NAMES.errorCode] = context.errorCode;
  for (const field of Object.keys(context)) {
    if (KNOWN_FIELDS.has(field) || (!recordKeys && KEY_LIKE_FIELDS.has(field))) continue;
    const value = context[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      attributes[`cachestack.${snakeCase(field)}`] = value;
    }
  }
  return attributes;
}

/** `lockWaitMs` → `lock_wait_ms`. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
