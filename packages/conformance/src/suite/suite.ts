import { afterEach, describe, it } from 'vitest';

/** Time limit for one case, in ms (independent of the caller's vitest testTimeout). */
export const SUITE_CASE_TIMEOUT_MS = 60_000;

/** Time limit for the per-test teardown, in ms. */
const TEARDOWN_TIMEOUT_MS = 60_000;

/**
 * One named check of an entry point above bytes (facade, invalidation bus,
 * byte wrapper). `H` is the per-test fixture, `O` the resolved options.
 */
export interface SuiteCase<H, O> {
  /** The test name: the rule it checks, in words. */
  readonly name: string;
  /** Why the case exists: the wrong implementation it catches, for CASES.md. */
  readonly why: string;
  /** Why this case cannot run with these options, or `undefined` when it can (shown in the skipped name). */
  readonly skip?: (options: O) => string | undefined;
  /** Runs the check; throws when a rule breaks. */
  readonly run: (harness: H) => Promise<void>;
}

/** A group of {@link SuiteCase}s, registered as one nested `describe`. */
export interface SuiteGroup<H, O> {
  /** The `describe` name. */
  readonly name: string;
  /** What the group checks, for the catalogue. */
  readonly description: string;
  /** Why the whole group cannot run with these options (e.g. a feature not offered), or `undefined`. */
  readonly skip?: (options: O) => string | undefined;
  /** The cases, in order. */
  readonly cases: readonly SuiteCase<H, O>[];
}

/** The per-test fixture the registration creates and disposes. */
export interface SuiteHarness {
  /** Releases what the test created (never throws). */
  dispose(): Promise<void>;
}

/** How {@link registerSuite} registers one suite. */
export interface SuiteRegistration<H extends SuiteHarness, O> {
  /** The resolved options. */
  readonly options: O;
  /** Groups, in order. */
  readonly groups: readonly SuiteGroup<H, O>[];
  /** Makes a fresh fixture for one test. */
  readonly harness: (options: O) => H;
  /**
   * Case names (`group › case`) that are known to fail, with the reason:
   * registered with `it.fails`, so the run stays green while the defect is
   * visible, and turns red once it is fixed (remove the entry then).
   */
  readonly knownFailures: Readonly<Record<string, string>>;
}

/** The key of a case in `knownFailures`: `group › case`. */
export function caseKey(group: string, name: string): string {
  return `${group} › ${name}`;
}

/**
 * Registers `describe(name)` with a nested `describe` per group; each case
 * gets a fresh harness, disposed after it. Skipped groups and cases stay in
 * the report with the reason in their name; nothing is skipped silently.
 */
export function registerSuite<H extends SuiteHarness, O>(
  name: string,
  registration: SuiteRegistration<H, O>,
): void {
  const { options, groups, knownFailures } = registration;
  const known = new Set(Object.keys(knownFailures));
  const allKeys = new Set(
    groups.flatMap((group) => group.cases.map((entry) => caseKey(group.name, entry.name))),
  );
  for (const key of known) {
    if (!allKeys.has(key)) {
      throw new TypeError(
        `${name}: option "knownFailures" names an unknown case ${JSON.stringify(key)} (write "group › case")`,
      );
    }
  }
  describe(name, () => {
    const harnesses = new Map<string, H>();
    afterEach(async (context) => {
      const harness = harnesses.get(context.task.id);
      if (harness === undefined) return;
      harnesses.delete(context.task.id);
      await harness.dispose();
    }, TEARDOWN_TIMEOUT_MS);
    for (const group of groups) {
      const groupReason = group.skip?.(options);
      if (groupReason !== undefined) {
        describe.skip(`${group.name} (skipped: ${groupReason})`, () => {
          for (const entry of group.cases) it(entry.name, () => {});
        });
        continue;
      }
      describe(group.name, () => {
        for (const entry of group.cases) {
          const reason = entry.skip?.(options);
          if (reason !== undefined) {
            it.skip(`${entry.name} (skipped: ${reason})`, () => {});
            continue;
          }
          const knownFailure = knownFailures[caseKey(group.name, entry.name)];
          const body = async (context: { task: { id: string } }) => {
            const harness = registration.harness(options);
            harnesses.set(context.task.id, harness);
            await entry.run(harness);
          };
          if (knownFailure === undefined) it(entry.name, body, SUITE_CASE_TIMEOUT_MS);
          else
            it.fails(`${entry.name} (known failure: ${knownFailure})`, body, SUITE_CASE_TIMEOUT_MS);
        }
      });
    }
  });
}

/** A group as listed in the catalogue. */
export interface SuiteGroupSummary {
  /** The nested `describe` name. */
  readonly name: string;
  /** What the group checks. */
  readonly description: string;
  /** The test names, in order. */
  readonly cases: readonly string[];
  /** Why each case exists, by case name. */
  readonly why: Readonly<Record<string, string>>;
}

/** The catalogue summary of `groups`. */
export function summarizeGroups<H, O>(
  groups: readonly SuiteGroup<H, O>[],
): readonly SuiteGroupSummary[] {
  return groups.map((group) => ({
    name: group.name,
    description: group.description,
    cases: group.cases.map((entry) => entry.name),
    why: Object.fromEntries(group.cases.map((entry) => [entry.name, entry.why])),
  }));
}
