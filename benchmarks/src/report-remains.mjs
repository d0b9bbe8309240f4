// The "What remains" section: every missed issue-8 target, with a likely
// cause that only states what the code does and what this run measured.
import { PEER_TARGET, pairedSpread } from './compare.mjs';
import { sizeLabel } from './harness.mjs';

const times = (n) => `${n.toFixed(2)}×`;
const range = ([low, high]) => `${times(low)}–${times(high)}`;

/** `ratio vs lru-cache + Buffer copies` for each missed memory row, from this run. */
function copyFloorRatios(rows, missed) {
  const parts = [];
  for (const row of missed) {
    const floor = rows.find(
      (r) => r.id === 'lru-cache-copy' && r.operation === row.operation && r.size === row.size,
    );
    if (floor === undefined) continue;
    const spread = pairedSpread(floor, row);
    const spreadText = spread === undefined ? '' : ` (rounds ${range(spread)})`;
    parts.push(
      `${times(floor.opsPerSec / row.opsPerSec)}${spreadText} on ${sizeLabel(row.size)} ${row.operation}`,
    );
  }
  return parts.join(', ');
}

/**
 * The likely cause of each missed target, by adapter id: what the adapter
 * does per call that its floor or peer does not (from reading the code, not
 * from a profile — profile with --cpu-prof before changing anything).
 */
const CAUSES = {
  memory: (rows, missed) => {
    const ratios = copyFloorRatios(rows, missed);
    return `the contract makes MemoryBackend copy on set and on get (a returned array never aliases storage, and later changes to the caller's array never reach it); the awaited lru-cache floor, and any peer that keeps the caller's Buffer by reference, skip those copies. The fair floor for the same work is "lru-cache + Buffer copies"${ratios === '' ? '' : `: against it this run measured ${ratios}`}. What a ratio above 1× leaves is MemoryBackend's own per-call work (validation, expiry and size accounting, LRU order).`;
  },
  getorset: () =>
    "every hit reads the backend and decodes the entry envelope and the value into a fresh string; over MemoryBackend the default serializer decodes straight from the backend's lent bytes (BORROWED_READ, no copy out), so what remains is the decode itself, while peers hand back the stored object by reference.",
  'getorset-object-tier': () =>
    'a fresh hit on a key the object tier holds is a map lookup that returns the same frozen value (default `freeze` mode), with no backend read and no decode; what remains per call is key and option validation, the freshness check and the awaited promise, while peers such as cacheable or bentocache with `serialize: false` return the stored value from their own map by reference.',
  sqlite: () =>
    "the floor is a plain key/value table: one prepared SELECT per get, one upsert (its own WAL commit) per set, with no integrity check. SqliteBackend verifies a CRC-32 of every value it reads and computes one for every value it writes (node:zlib, about 1.9 µs per 10 KiB on this machine, roughly a quarter of the floor's whole 10 KiB get), and its schema carries what its contract needs on top (namespaces, expiry, the bookkeeping behind maxEntries/maxBytes eviction and cross-process locks), plus key validation and error classification per call.",
  file: () =>
    'both sides do the same file system calls (a get miss is one failed open()); the backend adds key validation, hashing the key to a file name and the entry header.',
  redis: () =>
    'each call is one loopback round trip on both sides; RedisBackend adds a fixed per-call cost on top (key validation, the per-operation time limit, error classification, and on set a copy of the value). Commands leave at the end of the tick (the socket is corked until the next process.nextTick, with no extra event-loop turn). Against Keyv the sequential case is round-trip bound, so a 2× lead is not reachable there.',
  'redis-100': () =>
    'gets made in the same tick go out as one MGET, and all commands made in the same tick leave in one socket write (corked until the next process.nextTick); sets stay one SET each. Each call still pays key validation, the per-operation time limit and error classification (and on set a copy of the value), which is where it can trail the floor or Keyv (@redis/client).',
  'facade-memory': () =>
    "the facade encodes every string into a freshly allocated entry (18-byte freshness header, a format tag, the UTF-8 bytes) and hands it to MemoryBackend without a further copy (TRANSFERRED_SET, above 4 KiB); a hit decodes from the backend's lent bytes (BORROWED_READ) into a new string. What remains at 10 KiB is that allocation and decode per call (and the garbage collection they cause); peers that keep the caller's string (cacheable, bentocache with `serialize: false`) store and hand back the same string by reference.",
  'facade-redis': () =>
    'one loopback round trip per call on both sides; the facade adds its serializer and the 18-byte entry header to the RedisBackend call, Keyv adds its own JSON serialization.',
  'facade-tiered': () =>
    "an L1 hit is answered synchronously (tiered offers the local read) but is still L1's copy of the bytes plus the facade's header check and decode into a new string; bentocache with `serialize: false` returns the stored string by reference.",
  'tiered-l2': () =>
    'an L1 miss that hits Redis reads the value and its remaining TTL in one round trip, atomically (one EVALSHA of GET + PTTL, which alone costs about 1.3× a GET on the server and client: Redis has no single command that returns a value with its TTL, and MULTI/EXEC or a pipelined pair measured dearer on the client), then backfills L1 in the background; the floor is one GET.',
  tiered: () =>
    "an L1 hit is a MemoryBackend get plus the tier walk; a get miss reads L1 and then Redis, and a set writes both tiers (a Redis round trip plus the L1 write), so misses and sets also pay RedisBackend's per-call cost.",
};

const missesFloor = (row) => row.floorTarget !== undefined && row.floorRatio > row.floorTarget;
const missesPeer = (row) => row.peerSpeedup !== undefined && row.peerSpeedup < PEER_TARGET;

/** A note when a missed target lies within this run's round-by-round spread of that ratio. */
function noiseNote(row) {
  const notes = [];
  if (missesFloor(row) && row.floorSpread !== undefined && row.floorSpread[0] <= row.floorTarget) {
    notes.push(`floor time ${range(row.floorSpread)}`);
  }
  if (missesPeer(row) && row.peerSpread !== undefined && row.peerSpread[1] >= PEER_TARGET) {
    notes.push(`peer speed ${range(row.peerSpread)}`);
  }
  return notes.length === 0
    ? ''
    : ` (the target lies within this run's round-by-round range: ${notes.join(', ')})`;
}

/** The Markdown list of missed targets, one item per adapter. */
export function renderRemains(rows) {
  const byId = new Map();
  for (const row of rows) {
    if (row.kind !== 'ours' || !(missesFloor(row) || missesPeer(row))) continue;
    const list = byId.get(row.id) ?? [];
    list.push(row);
    byId.set(row.id, list);
  }
  if (byId.size === 0) return 'Every target was met in this run.';
  return [...byId]
    .map(([id, missed]) => {
      const where = missed.map((row) => {
        const why = [];
        if (missesFloor(row)) why.push(`${times(row.floorRatio)} floor time`);
        if (missesPeer(row)) why.push(`${times(row.peerSpeedup)} best peer speed`);
        return `${sizeLabel(row.size)} ${row.operation}: ${why.join(', ')}${noiseNote(row)}`;
      });
      const cause = CAUSES[id]?.(rows, missed) ?? 'not analysed yet.';
      return `- **${missed[0].label}** — ${where.join('; ')}. Likely cause: ${cause}`;
    })
    .join('\n');
}
