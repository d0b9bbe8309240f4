import { describe, expect, it } from 'vitest';
import { probeHealth } from '../src/index.js';

describe('probeHealth', () => {
  it('reports a healthy probe with its details and latency', async () => {
    const status = await probeHealth('memory', async () => ({ entries: 3 }));
    expect(status.healthy).toBe(true);
    expect(status.backendType).toBe('memory');
    expect(status.details).toEqual({ entries: 3 });
    expect(Number.isFinite(status.latencyMs) && status.latencyMs >= 0).toBe(true);
    expect(status.error).toBeUndefined();
  });

  it('turns a failing probe into healthy:false without throwing', async () => {
    const status = await probeHealth('redis', () => {
      throw new Error('connection refused');
    });
    expect(status).toMatchObject({
      healthy: false,
      backendType: 'redis',
      error: 'connection refused',
    });
  });

  it('never throws, whatever the probe throws', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const thrown of [proxy, Object.create(null)]) {
      const status = await probeHealth('memory', () => {
        throw thrown;
      });
      expect(status.healthy).toBe(false);
      expect(typeof status.error).toBe('string');
    }
  });
});
