import type { CapabilityName } from '@cachestack/core';
import { check, violation } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import type { ConformanceHarness } from '../harness.js';
import {
  formatModelCheckFinding,
  type ModelCheckTarget,
  modelCheck,
} from '../model/model-check.js';
import type { ModelCapabilities } from '../model/operations.js';

function claimedCapabilities(claimed: readonly CapabilityName[]): ModelCapabilities {
  const has = (name: CapabilityName) => claimed.includes(name);
  return {
    ttl: has('ttl'),
    batch: has('batch'),
    keys: has('keys'),
    clear: has('clear'),
    lock: has('lock'),
    timeout: has('timeout'),
  };
}

/** A target whose instances are created through the harness, each on a new namespace. */
function harnessTarget(h: ConformanceHarness, withPeer: boolean): ModelCheckTarget {
  return {
    name: withPeer ? 'two handles on one store' : 'one handle',
    capabilities: claimedCapabilities(h.options.capabilities),
    create: async () => {
      const namespace = h.newNamespace();
      const backend = await h.createClaimed(namespace);
      const peer = withPeer ? await h.createClaimed(namespace) : undefined;
      return {
        backend,
        peer,
        dispose: async () => {
          await Promise.all([backend.close(), peer?.close()]);
        },
      };
    },
  };
}

async function runModelCheck(h: ConformanceHarness, withPeer: boolean): Promise<void> {
  const { modelCheck: settings } = h.options;
  const report = await modelCheck(harnessTarget(h, withPeer), {
    seed: settings.seed,
    sequences: settings.sequences,
    length: settings.length,
    maxValueBytes: h.options.maxValueBytes,
    marginMs: 40 + h.slackMs,
    shrinkBudgetMs: 12_000,
  });
  check(
    report.timedOut <= Math.max(3, report.calls * 0.05),
    'calls on a working store must not time out (a few under load are inconclusive, not more)',
    `${report.timedOut} of ${report.calls} calls rejected with TIMEOUT (seed ${report.seed})`,
  );
  const [first] = report.findings;
  if (first !== undefined) {
    violation(
      `every call must agree with the reference model (${first.violation.kind})`,
      `${report.findings.map((finding) => formatModelCheckFinding(finding, `modelCheck: { seed: ${finding.seed} }`)).join('\n')}`,
    );
  }
}

/** The seeded model check (issue 20): random sequences of every claimed operation against a reference model. */
export const modelCheckGroup: ConformanceGroup = {
  name: 'model check',
  description:
    'seeded random sequences of every claimed operation agree with a reference model, shrunk to a short reproduction on failure',
  cases: [
    {
      name: 'seeded random sequences of every claimed operation agree with the reference model',
      why: 'the hand-written cases check one rule at a time; a random mix of calls finds the interactions between them (an overwrite after a refresh, a batch after a delete), and a failure prints the seed and a shrunk sequence',
      run: (h) => runModelCheck(h, false),
    },
    {
      name: 'the same across two handles on a shared store: what one writes the other reads',
      why: 'a store shared between processes must show one handle the writes, deletes and expiries of the other (no private read cache, one clock)',
      skip: (o) => (o.sharedStore ? undefined : 'sharedStore is false'),
      run: (h) => runModelCheck(h, true),
    },
  ],
};
