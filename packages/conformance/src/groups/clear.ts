import { check, expectBytes, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** clear() (capability 'clear'). */
export const clearGroup: ConformanceGroup = {
  name: 'clear',
  capability: 'clear',
  description: "clear removes this namespace's entries and nothing else",
  cases: [
    {
      name: "the backend implements the claimed 'clear' capability (clear)",
      why: 'a claimed capability with missing methods fails here by name',
      run: async (h) => {
        await h.createWith('clear');
      },
    },
    {
      name: 'clear removes every entry of the namespace, and the backend stays usable',
      why: 'catches clears that miss entries or leave the backend closed',
      run: async (h) => {
        const backend = await h.createWith('clear');
        await backend.set('a', utf8('A'));
        await backend.set('b/c', utf8('B'), 60_000);
        await backend.set('empty', new Uint8Array(0));
        await backend.clear();
        for (const key of ['a', 'b/c', 'empty']) {
          check(
            (await backend.get(key)) === undefined,
            'clear must remove every entry',
            `${key} survived`,
          );
          check(
            (await backend.exists(key)) === false,
            'clear must remove every entry (exists)',
            `${key} exists`,
          );
        }
        await backend.set('a', utf8('again'));
        expectBytes(await backend.get('a'), utf8('again'), 'the backend must work after clear');
      },
    },
    {
      name: 'clear of an empty namespace resolves',
      why: 'catches clears that fail when there is nothing to remove',
      run: async (h) => {
        const backend = await h.createWith('clear');
        await backend.clear();
        await backend.clear();
      },
    },
    {
      name: 'clear leaves other namespaces untouched',
      why: 'catches FLUSHDB, unlinking the whole directory, or a prefix match that takes namespaces whose name extends this one',
      run: async (h) => {
        const mine = await h.createWith('clear');
        const otherNamespace = h.newNamespace();
        const other = await h.create(otherNamespace);
        const prefixed = await h.create(`${h.namespace}x`);
        await mine.set('k', utf8('mine'));
        await other.set('k', utf8('other'));
        await prefixed.set('k', utf8('prefixed'));
        await mine.clear();
        check(
          (await mine.get('k')) === undefined,
          'clear must remove its own entries',
          'k survived',
        );
        expectBytes(await other.get('k'), utf8('other'), 'clear must not touch another namespace');
        expectBytes(
          await prefixed.get('k'),
          utf8('prefixed'),
          'clear must not touch a namespace whose name starts with this one',
        );
      },
    },
  ],
};
