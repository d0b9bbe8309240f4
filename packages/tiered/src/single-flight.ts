/** One coalesced lower-tier read. */
export interface Flight<T> {
  /** Settles with the read's outcome. */
  readonly promise: Promise<T>;
  /** Set when a write, delete or clear touched the key while the read was in flight: skip the backfill. */
  dirty: boolean;
  /**
   * Keeps the flight registered (joinable, and marked dirty by writes)
   * until `work` settles, after its promise resolved: the backfill that
   * runs after the callers got their value. `work` must never reject.
   */
  hold(work: Promise<void>): void;
}

/** A flight of a {@link SingleFlight} (a class with methods: no closures per read). */
class FlightRecord<T> implements Flight<T> {
  promise!: Promise<T>;
  dirty = false;
  held: Promise<void> | undefined = undefined;
  hold(work: Promise<void>): void {
    this.held = work;
  }
}

/**
 * Coalesces concurrent reads of the same key into one call and tracks writes
 * that happen meanwhile. A write marks the key's flight dirty and detaches
 * it, so callers arriving after the write start a fresh read instead of
 * joining one that may return the old value.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, FlightRecord<T>>();
  #generation = 0;

  /** Number of reads in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the flight for `key`, or starts `start(flight)` as a new one.
   * `start` receives its own flight record so it can check `dirty` before
   * backfilling; it must return a promise (never throw synchronously).
   */
  run(key: string, start: (flight: Flight<T>) => Promise<T>): Promise<T> {
    const existing = this.#flights.get(key);
    if (existing !== undefined) return existing.promise;
    const flight = new FlightRecord<T>();
    flight.promise = start(flight).then(
      (outcome) => {
        const held = flight.held;
        if (held === undefined) this.#release(key, flight);
        else void held.then(() => this.#release(key, flight));
        return outcome;
      },
      (error: unknown) => {
        this.#release(key, flight);
        throw error;
      },
    );
    this.#flights.set(key, flight);
    return flight.promise;
  }

  #release(key: string, flight: FlightRecord<T>): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  /** Bumped by every {@link SingleFlight.markWritten}: batch reads compare it before backfilling. */
  get generation(): number {
    return this.#generation;
  }

  /** Records a write to `keys` (`undefined`: every key). */
  markWritten(keys: readonly string[] | undefined): void {
    this.#generation += 1;
    if (keys === undefined) this.markAllDirty();
    else for (const key of keys) this.markDirty(key);
  }

  /** A write touched `key`: its flight (if any) must not backfill and no longer takes joiners. */
  markDirty(key: string): void {
    const flight = this.#flights.get(key);
    if (flight === undefined) return;
    flight.dirty = true;
    this.#flights.delete(key);
  }

  /** A clear touched every key. */
  markAllDirty(): void {
    for (const flight of this.#flights.values()) flight.dirty = true;
    this.#flights.clear();
  }
}
