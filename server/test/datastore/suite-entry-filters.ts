import { InvalidArgumentError } from '@lanyard/base';
import type { EntryFilter, MatchMode, RegistrationEntry } from '../../src/datastore';
import { emptyBundle, newEntry, rejection, sels, type SuiteContext } from './fixtures';

/** Entry list filters (every match mode), counting and paging. */
export function entryFilterTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  const names = (entries: RegistrationEntry[]) =>
    entries.map((e) => e.spiffeId.replace('spiffe://example.org/', '')).sort();
  const list = async (filter: EntryFilter) => names((await ds().listEntries(filter)).items);

  /** A{a,b} B{a} C{a,b,c} D{d}; federation A{x} B{x,y} C{} D{y}. */
  async function seed(): Promise<void> {
    for (const td of ['x.org', 'y.org']) {
      await ds().createBundle(emptyBundle(td));
    }
    const specs: [string, string[], string[], string, boolean, string][] = [
      ['A', ['s:a', 's:b'], ['x.org'], 'h1', false, 'spiffe://example.org/p1'],
      ['B', ['s:a'], ['x.org', 'y.org'], 'h2', true, 'spiffe://example.org/p1'],
      ['C', ['s:a', 's:b', 's:c'], [], 'h1', false, 'spiffe://example.org/p2'],
      ['D', ['s:d'], ['y.org'], '', true, 'spiffe://example.org/p2'],
    ];
    const results = await ds().createEntries(
      specs.map(([name, selectors, federatesWith, hint, downstream, parentId]) =>
        newEntry({
          spiffeId: `spiffe://example.org/${name}`,
          selectors: sels(...selectors),
          federatesWith,
          hint,
          downstream,
          parentId,
        }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
  }

  const selectorCases: [MatchMode, string[], string[]][] = [
    ['EXACT', ['s:a', 's:b'], ['A']],
    ['EXACT', ['s:b', 's:a', 's:a'], ['A']],
    ['SUBSET', ['s:a', 's:b'], ['A', 'B']],
    ['SUBSET', ['s:a', 's:b', 's:c', 's:z'], ['A', 'B', 'C']],
    ['SUPERSET', ['s:a', 's:b'], ['A', 'C']],
    ['SUPERSET', ['s:a'], ['A', 'B', 'C']],
    ['MATCH_ANY', ['s:c', 's:d'], ['C', 'D']],
    ['MATCH_ANY', ['s:zz'], []],
  ];
  test.each(selectorCases)('selectors %s %j → %j', async (match, selectors, expected) => {
    await seed();
    expect(await list({ selectors: { selectors: sels(...selectors), match } })).toEqual(expected);
    expect(await ds().countEntries({ selectors: { selectors: sels(...selectors), match } })).toBe(
      expected.length,
    );
  });

  const federationCases: [MatchMode, string[], string[]][] = [
    ['EXACT', ['x.org'], ['A']],
    ['EXACT', ['y.org', 'x.org'], ['B']],
    ['SUBSET', ['x.org'], ['A']],
    ['SUBSET', ['x.org', 'y.org'], ['A', 'B', 'D']],
    ['SUPERSET', ['y.org'], ['B', 'D']],
    ['MATCH_ANY', ['x.org', 'y.org'], ['A', 'B', 'D']],
  ];
  test.each(federationCases)('federatesWith %s %j → %j', async (match, trustDomains, expected) => {
    await seed();
    expect(await list({ federatesWith: { trustDomains, match } })).toEqual(expected);
  });

  test('filters by SPIFFE ID, parent ID, hint and downstream, AND-ed together', async () => {
    await seed();
    expect(await list({ spiffeId: 'spiffe://example.org/C' })).toEqual(['C']);
    expect(await list({ parentId: 'spiffe://example.org/p1' })).toEqual(['A', 'B']);
    expect(await list({ hint: 'h1' })).toEqual(['A', 'C']);
    expect(await list({ downstream: true })).toEqual(['B', 'D']);
    expect(await list({ downstream: false })).toEqual(['A', 'C']);
    const filter: EntryFilter = {
      parentId: 'spiffe://example.org/p2',
      downstream: true,
      selectors: { selectors: sels('s:d'), match: 'EXACT' },
      federatesWith: { trustDomains: ['y.org'], match: 'MATCH_ANY' },
    };
    expect(await list(filter)).toEqual(['D']);
    expect(await ds().countEntries(filter)).toBe(1);
    expect(await list({ parentId: 'spiffe://example.org/p2', hint: 'h2' })).toEqual([]);
    expect(await ds().countEntries()).toBe(4);
  });

  test('empty filter sets are InvalidArgument', async () => {
    expect(
      await rejection(ds().listEntries({ selectors: { selectors: [], match: 'EXACT' } })),
    ).toBeInstanceOf(InvalidArgumentError);
    expect(
      await rejection(ds().countEntries({ federatesWith: { trustDomains: [], match: 'SUBSET' } })),
    ).toBeInstanceOf(InvalidArgumentError);
  });

  test('pages walk every entry once in creation order; page size 0 returns everything', async () => {
    const results = await ds().createEntries(
      Array.from({ length: 7 }, (_, i) => newEntry({ spiffeId: `spiffe://example.org/w${i}` })),
    );
    const ids = results.map((r) => (r.ok ? r.entry.id : ''));
    const seen: string[] = [];
    const sizes: number[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const page = await ds().listEntries({}, { pageSize: 3, pageToken: token });
      sizes.push(page.items.length);
      seen.push(...page.items.map((e) => e.id));
      token = page.nextPageToken;
      if (token === '') break;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(ids);
    const all = await ds().listEntries({}, { pageSize: 0 });
    expect(all.items.map((e) => e.id)).toEqual(ids);
    expect(all.nextPageToken).toBe('');
  });

  test('paging applies with filters and an exact multiple ends with an empty token', async () => {
    await seed();
    const first = await ds().listEntries(
      { selectors: { selectors: sels('s:a'), match: 'SUPERSET' } },
      { pageSize: 2 },
    );
    expect(names(first.items)).toEqual(['A', 'B']);
    const second = await ds().listEntries(
      { selectors: { selectors: sels('s:a'), match: 'SUPERSET' } },
      { pageSize: 2, pageToken: first.nextPageToken },
    );
    expect(names(second.items)).toEqual(['C']);
    expect(second.nextPageToken).toBe('');
    const exact = await ds().listEntries({}, { pageSize: 4 });
    expect(exact.items).toHaveLength(4);
    expect(exact.nextPageToken).toBe('');
  });

  test('a malformed or foreign page token is InvalidArgument', async () => {
    expect(await rejection(ds().listEntries({}, { pageSize: 1, pageToken: 'garbage!' }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    const foreign = Buffer.from('nodes:1').toString('base64url');
    expect(await rejection(ds().listEntries({}, { pageSize: 1, pageToken: foreign }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await rejection(ds().listEntries({}, { pageSize: -1 }))).toBeInstanceOf(InvalidArgumentError);
  });
}
