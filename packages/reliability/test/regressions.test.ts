import { describeOperation, type Operation, runSequence } from '@cachestack/conformance';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzTargets } from '../src/fuzz-targets.js';

// Findings of the campaigns, kept as fixed sequences and replayed on every
// adapter (the fuzzer's random stream moves whenever generation changes; these
// do not). Each is the shortest sequence that showed the defect.
const detached = () => {
  const view = new Uint8Array(8).fill(1);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
};
const bytes = (length: number, fill = 7) => new Uint8Array(length).fill(fill);

const FINDINGS: [string, Operation[]][] = [
  [
    // tiered: entries were de-duplicated before the tiers validated them.
    'setMany with an oversized entry that a later entry of the batch overwrites is rejected VALUE_TOO_LARGE',
    [
      { kind: 'set', args: ['k', bytes(3)] },
      {
        kind: 'setMany',
        args: [
          [
            { key: 'k', value: bytes(4097) },
            { key: 'k', value: bytes(1) },
          ],
        ],
        expect: ['VALUE_TOO_LARGE'],
      },
      { kind: 'get', args: ['k'] },
    ],
  ],
  [
    // issue 22 item 7: memory and file resolved, SQLite and Redis rejected.
    'keys() with a lone surrogate in the prefix is rejected INVALID_ARGUMENT',
    [
      { kind: 'set', args: ['a', bytes(2)] },
      { kind: 'keys', args: ['a\ud800'], expect: ['INVALID_ARGUMENT'] },
      { kind: 'keys', args: ['\udc00'], expect: ['INVALID_ARGUMENT'] },
    ],
  ],
  [
    // issue 22 item 4: a raw TypeError (file, Redis, tiered) or UNKNOWN (memory).
    'set of a view over a detached ArrayBuffer is rejected INVALID_VALUE and stores nothing',
    [
      { kind: 'set', args: ['k', bytes(3)] },
      { kind: 'set', args: ['k', detached()], expect: ['INVALID_VALUE'] },
      { kind: 'get', args: ['k'] },
    ],
  ],
  [
    // issue 22 item 4: memory wrote the entries before the bad one.
    'setMany with a detached view after valid entries writes none of them',
    [
      {
        kind: 'setMany',
        args: [
          [
            { key: 'a', value: bytes(2) },
            { key: 'b', value: bytes(3) },
            { key: 'c', value: detached() },
          ],
        ],
        expect: ['INVALID_VALUE'],
      },
      { kind: 'getMany', args: [['a', 'b', 'c']] },
    ],
  ],
];

const server = await RedisServer.start();
afterAll(() => server.destroy());

describe.each(fuzzTargets(server.url).map((target) => [target.name, target] as const))(
  'campaign findings replayed on %s',
  (_name, target) => {
    it.each(FINDINGS)('%s', async (_title, operations) => {
      const instance = await target.create(`regression-${process.pid}-${Math.random()}`);
      try {
        const { violation } = await runSequence(instance, operations);
        const trace = operations.map(
          (operation, i) => `  ${i + 1}. ${describeOperation(operation)}`,
        );
        expect(violation?.message, `sequence:\n${trace.join('\n')}`).toBeUndefined();
      } finally {
        await instance.dispose();
      }
    });
  },
);
