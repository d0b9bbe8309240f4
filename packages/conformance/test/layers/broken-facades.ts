import type { BusDefect, NodeDefect } from './reference-bus.js';
import type { FacadeDefect } from './reference-facade.js';
import type { WrapperDefect } from './reference-wrappers.js';
import type { TracingDefect } from './traced-reference.js';

/** A broken variant of a reference layer (one `defect`) and the case that must catch it. */
export interface BrokenLayer<Defect extends string> {
  /** The defect of the reference implementation. */
  readonly defect: Defect;
  /** The rule it breaks. */
  readonly rule: string;
  /** A substring of the one case title that must fail. */
  readonly caughtBy: string;
  /** Other cases it fails too, because their rule depends on the same behaviour (substrings). */
  readonly alsoFails?: readonly string[];
}

/** A broken facade variant and the case that must catch it. */
export type BrokenFacade = BrokenLayer<FacadeDefect>;

/** Every broken facade of the self-test: one defect, one rule, one case. */
export const BROKEN_FACADES: readonly BrokenFacade[] = [
  { defect: 'negative-zero-lost', rule: '-0 round-trips', caughtBy: '-0 round-trips exactly' },
  {
    defect: 'buffer-as-uint8array',
    rule: 'a Buffer comes back a Buffer',
    caughtBy: 'a Buffer (comes back a Buffer) round-trips',
  },
  {
    defect: 'holes-filled',
    rule: 'holes stay holes',
    caughtBy: 'a sparse array (holes stay holes) round-trips',
  },
  {
    defect: 'encoding-drift',
    rule: 'encodings are byte-identical across versions',
    caughtBy: 'encoding every vector that has a golden encoding',
  },
  {
    defect: 'unsupported-stored',
    rule: 'unsupported values are rejected',
    caughtBy: 'values declared unsupported are rejected',
  },
  {
    defect: 'no-depth-limit',
    rule: 'the depth limit is enforced with INVALID_VALUE',
    caughtBy: 'nested beyond the depth limit',
  },
  {
    defect: 'no-single-flight',
    rule: 'one loader call for concurrent callers',
    caughtBy: 'concurrent getOrSet callers of a missing key share',
  },
  {
    defect: 'one-flight-for-all-keys',
    rule: 'flights are per key',
    caughtBy: 'different keys each run their own loader',
  },
  {
    defect: 'error-to-first-waiter-only',
    rule: 'a loader failure reaches every waiter',
    caughtBy: 'a loader failure reaches every waiting caller',
  },
  {
    defect: 'reload-after-hit',
    rule: 'no loader call after a hit',
    caughtBy: 'never calls the loader when a fresh value is there',
    // The scripted sequence of stats and events ends with a getOrSet hit.
    alsoFails: ['stats count a scripted sequence exactly', 'events of a scripted sequence'],
  },
  {
    defect: 'delete-of-missing-counted',
    rule: 'stats count exactly',
    caughtBy: 'stats count a scripted sequence exactly',
  },
  {
    defect: 'joiners-counted-as-loads',
    rule: 'a stampede is counted as one load',
    caughtBy: 'stats count a stampede',
  },
  {
    defect: 'delete-event-existed-always-true',
    rule: 'events carry the right payload',
    caughtBy: 'events of a scripted sequence are emitted exactly',
  },
  {
    defect: 'tags-invalidated-per-instance',
    rule: 'tag invalidation reaches every facade on the store',
    caughtBy: 'never returned after invalidateTags of that tag',
    // The other facade writes with versions it never saw bumped.
    alsoFails: ['a value set with a tag after invalidateTags'],
  },
  {
    defect: 'invalidate-clears-everything',
    rule: 'invalidation leaves other entries',
    caughtBy: 'leaves untagged values and values of other tags untouched',
  },
  {
    defect: 'invalidated-tag-poisoned',
    rule: 'a tag is usable again after invalidation',
    caughtBy: 'a value set with a tag after invalidateTags',
  },
];

/** A broken bus or node variant (the defect is of the bus or of the node) and the case that must catch it. */
export type BrokenBus = BrokenLayer<BusDefect | NodeDefect>;

/** Every broken bus/node of the self-test. */
export const BROKEN_BUSES: readonly BrokenBus[] = [
  {
    defect: 'keys-truncated',
    rule: 'messages arrive intact',
    caughtBy: 'a message reaches every subscriber',
  },
  {
    defect: 'unsubscribe-noop',
    rule: 'unsubscribe stops delivery',
    caughtBy: 'after unsubscribe a subscriber receives nothing more',
  },
  {
    defect: 'raw-error-after-close',
    rule: 'errors are classified',
    caughtBy: 'close is idempotent',
  },
  {
    defect: 'reconnect-not-reported',
    rule: 'a reconnect flushes local copies',
    caughtBy: 'after a reconnect, a copy whose invalidation was lost',
  },
  {
    defect: 'ignores-messages',
    rule: 'invalidations are applied',
    caughtBy: "a write in one node drops another node's local copy",
    // Every later case needs invalidations applied.
    alsoFails: ['duplicated messages', 'reordered messages'],
  },
  {
    defect: 'no-ttl-cap',
    rule: 'local copies live at most their TTL cap',
    caughtBy: 'a lost message leaves',
  },
  {
    defect: 'dedup-by-content',
    rule: 'duplicates do not stop later invalidations',
    caughtBy: 'duplicated messages',
    // Every write of one key from one origin sends the same message.
    alsoFails: ["a write in one node drops another node's local copy", 'reordered messages'],
  },
  {
    defect: 'applies-newest-of-burst',
    rule: 'reordered messages all apply',
    caughtBy: 'reordered messages',
  },
];

/** A broken byte wrapper and the case that must catch it. */
export interface BrokenWrapper extends BrokenLayer<WrapperDefect> {
  /** Which reference wrapper it breaks. */
  readonly kind: 'compression' | 'encryption';
}

/** Every broken wrapper of the self-test. */
export const BROKEN_WRAPPERS: readonly BrokenWrapper[] = [
  {
    defect: 'magic-collision',
    kind: 'compression',
    rule: 'look-alike values round-trip',
    caughtBy: "looks like the wrapper's own stored format",
  },
  {
    defect: 'threshold-off-by-one',
    kind: 'compression',
    rule: 'every length round-trips',
    caughtBy: 'every byte length from 0 to threshold',
  },
  {
    defect: 'stores-plain',
    kind: 'compression',
    rule: 'values are compressed',
    caughtBy: 'the store holds transformed bytes',
  },
  {
    defect: 'large-truncated',
    kind: 'compression',
    rule: 'large values round-trip',
    caughtBy: 'values far beyond the threshold',
  },
  {
    defect: 'no-authentication',
    kind: 'encryption',
    rule: 'a wrong key is never garbage',
    caughtBy: 'read with a wrong key',
    // Without a tag, tampering and copying go unnoticed as well.
    alsoFails: ['one byte flipped', 'copied under another key'],
  },
  {
    defect: 'plaintext-visible',
    kind: 'encryption',
    rule: 'no plaintext in the store',
    caughtBy: 'the store holds transformed bytes',
  },
  {
    defect: 'not-key-bound',
    kind: 'encryption',
    rule: 'entries are bound to their key',
    caughtBy: 'copied under another key',
  },
];

/** A backend with broken tracing and the case that must catch it. */
export type BrokenTracing = BrokenLayer<TracingDefect>;

/** Every broken tracing variant of the self-test (the backend kit's `tracing` group). */
export const BROKEN_TRACING: readonly BrokenTracing[] = [
  {
    defect: 'delete-untraced',
    rule: 'every operation is traced',
    caughtBy: 'every operation of a scripted sequence is traced once',
  },
  {
    defect: 'validates-outside-tracer',
    rule: 'failures are traced',
    caughtBy: 'a failed operation is traced',
  },
  {
    defect: 'value-on-context',
    rule: 'no value on a trace context',
    caughtBy: 'no traced context carries value bytes',
  },
];
