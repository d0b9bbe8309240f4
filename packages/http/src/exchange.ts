import type { OperationTraceContext } from '@cachestack/core';
import { answerStored } from './client-answer.js';
import type { ResolvedRouteOptions } from './http-cache-options.js';
import type { FailureReporter } from './http-cache-settings.js';
import { type HttpTraceOutcome, markOutcome } from './http-trace.js';
import type { RequestDirectives } from './request-directives.js';
import type { ResourceMeta, ResponseStore } from './response-store.js';
import type { TagHeaderSettings } from './response-tags.js';
import type { StoredResponse } from './stored-response.js';

/** A fetch-style handler: web `Request` in, web `Response` out. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * The cache layers handling one request. A layer nested inside another (a
 * route middleware under a global one) steps aside and leaves its route
 * options here for the outer layer to apply when it stores. @internal
 */
export interface HandleScope {
  /** The URL the outer layer handles (set by the engine). */
  url?: string | undefined;
  /** Route options of the layers nested inside, in the order they stepped aside. */
  nested: ResolvedRouteOptions[];
}

/**
 * What every step of `HttpCache` reads: the store, the failure funnel
 * and the engine-wide settings (see `HttpCacheSettings`). @internal
 */
export interface CacheEngine {
  store: ResponseStore;
  /** Logs and reports a failure the request survives (fail-open). */
  report: FailureReporter;
  /** Targeted `Cache-Control` fields obeyed, lower-case, highest precedence first. */
  targets: readonly string[];
  tagHeaders: TagHeaderSettings;
  /** How long a stored response is kept past its freshness and stale windows, in ms. */
  staleRetentionMs: number;
}

/** Everything one cacheable request needs. @internal */
export interface Exchange {
  request: Request;
  run: FetchHandler;
  route: ResolvedRouteOptions;
  scope: HandleScope;
  resourceKey: string;
  meta: ResourceMeta;
  /** The store key of the representation this request selects. */
  key: string;
  directives: RequestDirectives;
  head: boolean;
  /** The request's trace context, when `cachestack:http` has a subscriber. */
  trace: OperationTraceContext | undefined;
}

/** Answers `exchange` from `stored`, traced as `outcome`. @internal */
export function answerFromStore(
  exchange: Exchange,
  stored: StoredResponse,
  outcome: Extract<HttpTraceOutcome, 'hit' | 'stale' | 'revalidated'>,
): Response {
  markOutcome(exchange.trace, outcome);
  return answerStored(exchange.request, stored, exchange.head);
}
