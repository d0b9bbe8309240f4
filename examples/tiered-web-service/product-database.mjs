import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A product as the service stores and serves it.
 * @typedef {object} Product
 * @property {string} id
 * @property {string} name
 * @property {number} priceCents - price in whole cents
 * @property {string} updatedAt - ISO 8601 time of the last change
 */

/**
 * What {@link ProductDatabase} is built from.
 * @typedef {object} ProductDatabaseOptions
 * @property {number} [delayMs] - how long every query takes, in ms (default 300)
 * @property {Omit<Product, 'updatedAt'>[]} [products] - the rows it starts with
 */

/**
 * A deliberately slow stand-in for a real database: every query waits
 * `delayMs` and is counted, so tests and curl users can see when the cache
 * saved one. Several service instances may share one (as they would share a
 * real database).
 */
export class ProductDatabase {
  /** @type {Map<string, Product>} */
  #rows = new Map();
  /** @type {Map<string, number>} */
  #queries = new Map();
  #delayMs;

  /** @param {ProductDatabaseOptions} [options] */
  constructor(options = {}) {
    this.#delayMs = options.delayMs ?? 300;
    for (const product of options.products ?? []) this.#write(product);
  }

  /**
   * Reads one product, slowly.
   * @param {string} id
   * @returns {Promise<Product | undefined>} a copy, or `undefined` when there is no such product
   */
  async find(id) {
    this.#queries.set(id, (this.#queries.get(id) ?? 0) + 1);
    await sleep(this.#delayMs);
    const row = this.#rows.get(id);
    return row === undefined ? undefined : { ...row };
  }

  /**
   * Inserts or replaces a product, slowly.
   * @param {Omit<Product, 'updatedAt'>} product
   * @returns {Promise<Product>} the stored row
   */
  async save(product) {
    await sleep(this.#delayMs);
    return { ...this.#write(product) };
  }

  /**
   * How many times {@link ProductDatabase.find} was called for `id`.
   * @param {string} id
   */
  queriesFor(id) {
    return this.#queries.get(id) ?? 0;
  }

  /** @param {Omit<Product, 'updatedAt'>} product */
  #write(product) {
    const row = {
      id: product.id,
      name: product.name,
      priceCents: product.priceCents,
      updatedAt: new Date().toISOString(),
    };
    this.#rows.set(row.id, row);
    return row;
  }
}

/** A few products to start with (ids `1`, `2`, `3`). */
export const SAMPLE_PRODUCTS = [
  { id: '1', name: 'Mechanical keyboard', priceCents: 8_900 },
  { id: '2', name: 'Trackball mouse', priceCents: 5_400 },
  { id: '3', name: '27-inch monitor', priceCents: 24_900 },
];
