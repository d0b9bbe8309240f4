// The HTTP cache's requests (cachestack:http) over the facade and a memory
// backend: one span per request, lookups for served-or-not requests only.
import { createCache } from '@cachestack/cache';
import { HttpCache } from '@cachestack/http';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../src/index.js';
import { instrumentTests } from './support/telemetry.js';

const otel = instrumentTests();

describe('the HTTP cache', () => {
  it('records GET miss, GET hit and POST bypass; only the GETs are lookups', async () => {
    const backend = new MemoryBackend();
    const http = new HttpCache({ cache: createCache({ backend }) });
    let originCalls = 0;
    const origin = async () => {
      originCalls++;
      return new Response('private-body-3e1f', {
        headers: { 'cache-control': 'public, max-age=60' },
      });
    };
    const url = 'http://shop.test/users/ada?token=abc';
    for (const method of ['GET', 'GET', 'POST']) {
      const response = await http.handle(new Request(url, { method }), origin);
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(originCalls).toBe(2); // the second GET was a hit

    const httpSpans = otel.telemetry
      .spans()
      .filter((span) => span.name.startsWith('cachestack.http'));
    expect(httpSpans.map((span) => [span.name, span.attributes['cachestack.outcome']])).toEqual([
      ['cachestack.http GET', 'miss'],
      ['cachestack.http GET', 'hit'],
      ['cachestack.http POST', 'bypass'],
    ]);
    expect(httpSpans[0]?.attributes['cachestack.status']).toBe(200);
    const http_ = { 'cachestack.layer': 'http' };
    expect(await otel.telemetry.total(METRIC_NAMES.lookups, http_)).toBe(2);
    expect(
      await otel.telemetry.total(METRIC_NAMES.lookups, { ...http_, 'cachestack.result': 'hit' }),
    ).toBe(1);
    expect(await otel.telemetry.total(METRIC_NAMES.operationDuration, http_)).toBe(3);
    // The URL (a key) and the body (a value) are in nothing exported.
    const exported = JSON.stringify([
      otel.telemetry.spans().map((span) => [span.name, span.attributes, span.status]),
      await otel.telemetry.points(),
    ]);
    expect(exported).not.toContain('ada');
    expect(exported).not.toContain('private-body');
    await backend.close();
  });
});
