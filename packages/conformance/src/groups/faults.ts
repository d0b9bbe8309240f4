import { type BaseBackend, isBackendError } from '@cachestack/core';
import {
  check,
  describeError,
  expectBackendError,
  expectBytes,
  sleep,
  utf8,
  violation,
  withinMs,
} from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { everyOperation } from '../every-operation.js';
import type { ResolvedConformanceOptions } from '../resolve-options.js';

function needsAvailability(options: ResolvedConformanceOptions): string | undefined {
  const { makeUnavailable, makeAvailable } = options.faults;
  return makeUnavailable === undefined || makeAvailable === undefined
    ? 'needs faults.makeUnavailable and faults.makeAvailable'
    : undefined;
}

async function recovered(backend: BaseBackend, boundMs: number): Promise<boolean> {
  const deadline = performance.now() + boundMs;
  for (;;) {
    const remaining = Math.max(1, deadline - performance.now());
    const attempt = await withinMs(
      backend.set('recovery-probe', utf8('ok')),
      remaining,
      'after makeAvailable, operations must settle within the bound, never hang',
    );
    if (attempt.ok) return true;
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
}

/** Section I: behaviour under injected faults (only with the hooks given). */
export const faultsGroup: ConformanceGroup = {
  name: 'faults',
  description:
    'while the store is away every operation fails classified and promptly; the same instance recovers',
  cases: [
    {
      name: 'while the store is unavailable every operation rejects with the configured type, within the bound',
      why: 'catches hangs, raw socket errors and UNKNOWN while the store is away',
      skip: needsAvailability,
      run: async (h) => {
        const backend = await h.createClaimed();
        await backend.set('k', utf8('v'));
        const type = h.options.faults.unavailableErrorType ?? 'TRANSIENT';
        await h.makeUnavailable();
        for (const [name, call] of everyOperation(h, backend)) {
          const outcome = await withinMs(
            Promise.resolve().then(call),
            h.options.faultBoundMs,
            `${name} while the store is unavailable must fail within ${h.options.faultBoundMs} ms, never hang`,
          );
          if (outcome.ok)
            violation(`${name} while the store is unavailable must reject`, 'it resolved');
          if (!isBackendError(outcome.error) || outcome.error.type !== type) {
            violation(
              `${name} while the store is unavailable must reject with a ${type} BackendError`,
              describeError(outcome.error),
            );
          }
        }
      },
    },
    {
      name: 'healthCheck while the store is unavailable resolves healthy: false with an error, without throwing',
      why: "catches health checks that throw, hang or report a cached 'healthy'",
      skip: needsAvailability,
      run: async (h) => {
        const backend = await h.create();
        await h.makeUnavailable();
        const outcome = await withinMs(
          backend.healthCheck(),
          h.options.faultBoundMs,
          'healthCheck under a fault must settle',
        );
        if (!outcome.ok)
          violation(
            'healthCheck must never throw, even under a fault',
            describeError(outcome.error),
          );
        const status = outcome.value as { healthy?: unknown; error?: unknown };
        check(
          status.healthy === false,
          'healthCheck under a fault must report healthy: false',
          `got ${String(status.healthy)}`,
        );
        check(
          typeof status.error === 'string' && status.error.length > 0,
          'healthCheck under a fault must say why in error',
          `got ${String(status.error)}`,
        );
      },
    },
    {
      name: 'the same instance recovers after the store comes back',
      why: 'catches instances that stay broken after a reconnect (a poisoned pool, a closed handle)',
      skip: needsAvailability,
      run: async (h) => {
        const backend = await h.create();
        await backend.set('before', utf8('v'));
        await h.makeUnavailable();
        await withinMs(
          backend.get('before'),
          h.options.faultBoundMs,
          'get while the store is unavailable must settle within the bound, never hang',
        );
        await h.makeAvailable();
        check(
          await recovered(backend, h.options.faultBoundMs),
          'the same instance must recover after makeAvailable',
          `operations still failed ${h.options.faultBoundMs} ms later`,
        );
        await backend.set('after', utf8('w'));
        expectBytes(
          await backend.get('after'),
          utf8('w'),
          'a recovered instance must read its own writes',
        );
        const status = await backend.healthCheck();
        check(
          status.healthy === true,
          'a recovered instance must report healthy',
          `error: ${String(status.error)}`,
        );
      },
    },
    {
      name: 'a backend with bad credentials fails with AUTHENTICATION',
      why: 'catches NOAUTH and EACCES reported as TRANSIENT (retried forever) or UNKNOWN',
      skip: (o) =>
        o.faults.createWithBadCredentials === undefined
          ? 'needs faults.createWithBadCredentials'
          : undefined,
      run: async (h) => {
        const create = h.options.faults.createWithBadCredentials;
        if (create === undefined) return;
        const backend = h.track(await create({ namespace: h.namespace }));
        await expectBackendError(
          () => backend.get('k'),
          { type: 'AUTHENTICATION' },
          'get with bad credentials must reject with AUTHENTICATION',
        );
        await expectBackendError(
          () => backend.set('k', utf8('v')),
          { type: 'AUTHENTICATION' },
          'set with bad credentials must reject with AUTHENTICATION',
        );
        const outcome = await withinMs(
          backend.healthCheck(),
          h.options.faultBoundMs,
          'healthCheck with bad credentials must settle',
        );
        if (!outcome.ok) violation('healthCheck must never throw', describeError(outcome.error));
        check(
          (outcome.value as { healthy?: unknown }).healthy === false,
          'healthCheck with bad credentials must report healthy: false',
          'it reported healthy',
        );
      },
    },
  ],
};
