import { describe, expect, it } from 'vitest';
import { type BaseBackend, type HealthStatus, healthSummary } from '../src/index.js';

type Reporting = Pick<BaseBackend, 'backendType' | 'healthCheck'>;

/** What the summary uses of a backend: its type and its health report (real backends: tiered's test). */
function reporting(check: () => Promise<HealthStatus>, backendType = 'memory'): Reporting {
  return { backendType, healthCheck: check };
}

const tier = (name: string, healthy: boolean, circuit = 'closed') => ({
  name,
  backendType: name === 'L1' ? 'memory' : 'redis',
  healthy,
  circuit,
  latencyMs: 1.5,
  ...(healthy ? {} : { error: 'connect ECONNREFUSED redis://user:secret@10.0.0.1:6379' }),
});

const tiered = (tiers: ReturnType<typeof tier>[]): Reporting =>
  reporting(async () => ({
    healthy: tiers.every((entry) => entry.healthy),
    latencyMs: 2,
    backendType: 'tiered',
    details: { tiers, degraded: tiers.some((entry) => !entry.healthy) },
    ...(tiers.every((entry) => entry.healthy) ? {} : { error: 'tier L2 is down: secret' }),
  }));

describe('healthSummary', () => {
  it('is ok / 200 for a healthy single backend', async () => {
    const summary = await healthSummary(
      reporting(async () => ({
        healthy: true,
        latencyMs: 0.5,
        backendType: 'memory',
        details: {},
      })),
    );
    expect(summary).toEqual({
      status: 'ok',
      httpStatus: 200,
      backendType: 'memory',
      latencyMs: 0.5,
    });
  });

  it('is down / 503 for an unhealthy single backend, without its error text', async () => {
    const summary = await healthSummary(
      reporting(async () => ({
        healthy: false,
        latencyMs: 3,
        backendType: 'redis',
        details: { url: 'redis://user:secret@host' },
        error: 'NOAUTH secret',
      })),
    );
    expect(summary).toEqual({
      status: 'down',
      httpStatus: 503,
      backendType: 'redis',
      latencyMs: 3,
    });
    expect(JSON.stringify(summary)).not.toContain('secret');
  });

  it('is ok with every tier listed when every tier is healthy', async () => {
    const summary = await healthSummary(tiered([tier('L1', true), tier('L2', true)]));
    expect(summary.status).toBe('ok');
    expect(summary.httpStatus).toBe(200);
    expect(summary.tiers).toEqual([
      { name: 'L1', backendType: 'memory', status: 'ok', circuit: 'closed', latencyMs: 1.5 },
      { name: 'L2', backendType: 'redis', status: 'ok', circuit: 'closed', latencyMs: 1.5 },
    ]);
  });

  it('is degraded / 200 when a lower tier is down but L1 answers, and leaks no error text', async () => {
    const summary = await healthSummary(tiered([tier('L1', true), tier('L2', false, 'open')]));
    expect(summary).toMatchObject({ status: 'degraded', httpStatus: 200, backendType: 'tiered' });
    expect(summary.tiers?.map((entry) => [entry.status, entry.circuit])).toEqual([
      ['ok', 'closed'],
      ['down', 'open'],
    ]);
    expect(JSON.stringify(summary)).not.toMatch(/secret|ECONNREFUSED|10\.0\.0\.1/);
  });

  it('is degraded when every tier answers but a circuit is open', async () => {
    const summary = await healthSummary(tiered([tier('L1', true), tier('L2', true, 'half-open')]));
    expect(summary.status).toBe('degraded');
  });

  it('is down / 503 when no tier answers', async () => {
    const summary = await healthSummary(tiered([tier('L1', false), tier('L2', false, 'open')]));
    expect(summary).toMatchObject({ status: 'down', httpStatus: 503 });
    expect(summary.tiers).toHaveLength(2);
  });

  it('is down, never a rejection, when healthCheck throws, rejects or returns garbage', async () => {
    const broken = [
      reporting(() => {
        throw new Error('sync');
      }),
      reporting(() => Promise.reject(new Error('async'))),
      reporting(async () => null as unknown as HealthStatus),
    ];
    for (const backend of broken) {
      await expect(healthSummary(backend)).resolves.toMatchObject({
        status: 'down',
        httpStatus: 503,
        backendType: 'memory',
      });
    }
  });

  it('is down when healthCheck does not settle within timeoutMs', { timeout: 2000 }, async () => {
    const hanging = reporting(() => new Promise<HealthStatus>(() => {}), 'redis');
    const started = performance.now();
    const summary = await healthSummary(hanging, { timeoutMs: 50 });
    expect(summary).toMatchObject({ status: 'down', httpStatus: 503, backendType: 'redis' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects a bad timeoutMs with a TypeError naming it', async () => {
    const backend = reporting(async () => ({
      healthy: true,
      latencyMs: 0,
      backendType: 'memory',
      details: {},
    }));
    await expect(healthSummary(backend, { timeoutMs: 0 })).rejects.toThrow(/"timeoutMs"/);
  });
});
