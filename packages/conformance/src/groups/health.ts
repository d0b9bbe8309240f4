import { check, describeError, violation, withinMs } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** Section J: healthCheck on a healthy backend. */
export const healthGroup: ConformanceGroup = {
  name: 'health',
  description: 'healthCheck reports healthy with a finite latency and a stable backendType',
  cases: [
    {
      name: 'healthCheck reports healthy with finite latencyMs >= 0, details and the backendType',
      why: 'catches health reports with NaN or negative latency, or missing fields that monitors read',
      run: async (h) => {
        const backend = await h.create();
        const outcome = await withinMs(backend.healthCheck(), 10_000, 'healthCheck must settle');
        if (!outcome.ok) violation('healthCheck must never throw', describeError(outcome.error));
        const status = outcome.value as Record<string, unknown>;
        check(
          typeof status === 'object' && status !== null,
          'healthCheck must resolve an object',
          `got ${String(status)}`,
        );
        check(
          status.healthy === true,
          'a working backend must report healthy: true',
          `got healthy=${String(status.healthy)} error=${String(status.error)}`,
        );
        const latency = status.latencyMs;
        check(
          typeof latency === 'number' && Number.isFinite(latency) && latency >= 0,
          'latencyMs must be a finite number >= 0',
          `got ${String(latency)}`,
        );
        check(
          status.backendType === backend.backendType,
          'healthCheck().backendType must equal backend.backendType',
          `got ${String(status.backendType)} vs ${backend.backendType}`,
        );
        check(
          typeof status.details === 'object' && status.details !== null,
          'details must be an object',
          `got ${String(status.details)}`,
        );
      },
    },
    {
      name: 'backendType is stable across calls and instances',
      why: 'dashboards group by backendType; catches values that change per call',
      run: async (h) => {
        const first = await h.create();
        const second = await h.create(h.newNamespace());
        const a = (await first.healthCheck()).backendType;
        const b = (await first.healthCheck()).backendType;
        check(
          a === b && a === first.backendType,
          'backendType must be stable across health checks',
          `${a} then ${b}`,
        );
        check(
          first.backendType === second.backendType,
          'backendType must be the same for every instance',
          `${first.backendType} vs ${second.backendType}`,
        );
      },
    },
  ],
};
