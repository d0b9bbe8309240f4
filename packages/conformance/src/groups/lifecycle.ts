import { isBackendError } from '@cachestack/core';
import {
  check,
  describeError,
  expectBackendError,
  utf8,
  violation,
  withinMs,
} from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { everyOperation } from '../every-operation.js';

/** How long an operation may take to settle once close() was called, in ms. */
const SETTLE_BOUND_MS = 5_000;

/** Section J: close and what follows it. */
export const lifecycleGroup: ConformanceGroup = {
  name: 'lifecycle',
  description: 'close is idempotent; every operation after it is PERMANENT CLOSED; nothing hangs',
  cases: [
    {
      name: 'close resolves and a second close is a no-op',
      why: 'close is called from several places (dispose, shutdown hooks); catches a second close that throws',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('v'));
        await withinMs(backend.close(), SETTLE_BOUND_MS, 'close must resolve');
        const second = await withinMs(
          backend.close(),
          SETTLE_BOUND_MS,
          'a second close must resolve',
        );
        if (!second.ok)
          violation(
            'close must be idempotent',
            `the second close rejected: ${describeError(second.error)}`,
          );
      },
    },
    {
      name: 'every operation after close rejects with PERMANENT CLOSED (capability methods too)',
      why: 'catches backends that keep working, hang or fail unclassified after close',
      run: async (h) => {
        const backend = await h.createClaimed();
        await backend.close();
        for (const [name, call] of everyOperation(h, backend)) {
          await expectBackendError(
            call,
            { type: 'PERMANENT', code: 'CLOSED' },
            `${name} after close must reject with PERMANENT CLOSED (no silent reconnect)`,
          );
        }
      },
    },
    {
      name: 'Symbol.asyncDispose closes the backend',
      why: '`await using` must close the backend like close()',
      run: async (h) => {
        const backend = await h.create();
        check(
          typeof backend[Symbol.asyncDispose] === 'function',
          'a backend must implement [Symbol.asyncDispose]',
          'the method is missing, so `await using backend = …` cannot work',
        );
        await backend[Symbol.asyncDispose]();
        await expectBackendError(
          () => backend.get('k'),
          { type: 'PERMANENT', code: 'CLOSED' },
          'get after [Symbol.asyncDispose] must reject with PERMANENT CLOSED',
        );
      },
    },
    {
      name: 'operations in flight at close settle (resolve, or reject with a BackendError) and never hang',
      why: 'catches closes that drop pending replies, leaving callers waiting forever',
      run: async (h) => {
        const backend = await h.createClaimed();
        await backend.set('k', utf8('v'));
        const inFlight: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) {
          inFlight.push(backend.set(`k${i}`, utf8('v')), backend.get('k'), backend.exists('k'));
          for (const [, call] of everyOperation(h, backend)) inFlight.push(call());
        }
        for (const pending of inFlight) pending.catch(() => undefined);
        const closing = backend.close();
        for (const [index, pending] of inFlight.entries()) {
          const outcome = await withinMs(
            pending,
            SETTLE_BOUND_MS,
            `operation ${index} in flight at close must settle`,
          );
          if (!outcome.ok && !isBackendError(outcome.error)) {
            violation(
              'an operation in flight at close may only reject with a BackendError',
              `operation ${index} rejected with ${describeError(outcome.error)}`,
            );
          }
        }
        await withinMs(closing, SETTLE_BOUND_MS, 'close with operations in flight must resolve');
      },
    },
    {
      name: 'healthCheck after close resolves a defined result and never throws',
      why: 'healthCheck never throws, also after close; probes run on their own schedule',
      run: async (h) => {
        const backend = await h.create();
        await backend.close();
        const outcome = await withinMs(
          backend.healthCheck(),
          SETTLE_BOUND_MS,
          'healthCheck after close must settle',
        );
        if (!outcome.ok)
          violation('healthCheck must never throw, even after close', describeError(outcome.error));
        const status = outcome.value as { healthy?: unknown; backendType?: unknown } | undefined;
        check(
          typeof status === 'object' && status !== null && typeof status.healthy === 'boolean',
          'healthCheck after close must resolve a HealthStatus',
          `got ${String(status)}`,
        );
      },
    },
  ],
};
