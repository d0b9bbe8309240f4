// A NestJS app whose CacheModule stores through @cachestack/keyv over a
// tiered memory + SQLite backend. Plain JavaScript, so it runs with `node`
// and no build step: Nest's decorators are applied with `Reflect.decorate`
// (what TypeScript compiles `@Decorator()` to), and constructor injection
// names its tokens with `Inject`, so no `emitDecoratorMetadata` is needed.
import 'reflect-metadata';
import { KeyvCachestack } from '@cachestack/keyv';
import { CACHE_MANAGER, CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  NotFoundException,
  Param,
  Put,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTieredSqliteBackend } from './tiered-sqlite-backend.mjs';

/** The slow data source the cache saves calls to; counts its loads. */
export class ProductCatalog {
  loads = 0;
  /** @param {number} delayMs - time per load, in ms */
  constructor(delayMs = 50) {
    this.delayMs = delayMs;
  }
  /** @param {string} id */
  async load(id) {
    this.loads += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return { id, name: `Product ${id}`, load: this.loads, loadedBy: process.pid };
  }
}

const CATALOG = 'CATALOG';

class ProductsController {
  /**
   * @param {import('cache-manager').Cache} cache - cache-manager's cache (Nest's CACHE_MANAGER)
   * @param {ProductCatalog} catalog
   */
  constructor(cache, catalog) {
    this.cache = cache;
    this.catalog = catalog;
  }
  /**
   * GET /products/:id — cached by CacheInterceptor under the URL, for the module's TTL.
   * @param {string} id
   */
  product(id) {
    return this.catalog.load(id);
  }
  /**
   * GET /flash-sales/:id — the same with `CacheTTL(300)`: cached for 300 ms.
   * @param {string} id
   */
  flashSale(id) {
    return this.catalog.load(id);
  }
  /**
   * PUT /notes/:id — writes through the cache manager (every instance reads it).
   * @param {string} id
   * @param {unknown} body - the JSON request body
   */
  async putNote(id, body) {
    await this.cache.set(`note:${id}`, body, 60_000);
  }
  /**
   * GET /notes/:id — reads through the cache manager.
   * @param {string} id
   */
  async getNote(id) {
    const note = await this.cache.get(`note:${id}`);
    if (note === undefined) throw new NotFoundException(`no note ${id}`);
    return note;
  }
  /** GET /stats — how often this instance loaded from the catalog. */
  stats() {
    return { loads: this.catalog.loads, pid: process.pid };
  }
}

/**
 * Applies method decorators the way TypeScript's `@Decorator()` does.
 * @param {Function} target - the class
 * @param {string} name - the method
 * @param {MethodDecorator[]} decorators
 */
function decorateMethod(target, name, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name);
  Object.defineProperty(
    target.prototype,
    name,
    Reflect.decorate(decorators, target.prototype, name, descriptor),
  );
}
/** `@Param('id')` on the first parameter of method `name`. @param {string} name */
const idParam = (name) => Param('id')(ProductsController.prototype, name, 0);

Inject(CACHE_MANAGER)(ProductsController, undefined, 0);
Inject(CATALOG)(ProductsController, undefined, 1);
decorateMethod(ProductsController, 'product', [
  Get('products/:id'),
  UseInterceptors(CacheInterceptor),
]);
idParam('product');
decorateMethod(ProductsController, 'flashSale', [
  Get('flash-sales/:id'),
  UseInterceptors(CacheInterceptor),
  CacheTTL(300),
]);
idParam('flashSale');
decorateMethod(ProductsController, 'putNote', [Put('notes/:id'), HttpCode(204)]);
idParam('putNote');
Body()(ProductsController.prototype, 'putNote', 1);
decorateMethod(ProductsController, 'getNote', [Get('notes/:id')]);
idParam('getNote');
decorateMethod(ProductsController, 'stats', [Get('stats')]);
Reflect.decorate([Controller()], ProductsController);

/**
 * Starts one instance of the app on 127.0.0.1.
 * @param {object} options
 * @param {string} options.sqlitePath - the SQLite file shared by every instance
 * @param {number} [options.port] - default 0: a free port
 * @param {ProductCatalog} [options.catalog]
 * @returns {Promise<{ url: string, catalog: ProductCatalog, close: () => Promise<void> }>}
 */
export async function startApp({ sqlitePath, port = 0, catalog = new ProductCatalog() }) {
  const backend = createTieredSqliteBackend({ sqlitePath });
  class AppModule {}
  Reflect.decorate(
    [
      Module({
        imports: [
          // A raw Keyv store: the module wraps it in `new Keyv({ store, ttl })`.
          // On shutdown it calls disconnect(), which closes the backend.
          CacheModule.register({ stores: [new KeyvCachestack({ backend })], ttl: 60_000 }),
        ],
        controllers: [ProductsController],
        providers: [{ provide: CATALOG, useValue: catalog }],
      }),
    ],
    AppModule,
  );
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address();
  return { url: `http://127.0.0.1:${address.port}`, catalog, close: () => app.close() };
}
