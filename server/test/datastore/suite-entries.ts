import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@lanyard/base';
import { SimilarEntryExistsError } from '../../src/datastore';
import { emptyBundle, newEntry, rejection, scanAll, sels, type SuiteContext } from './fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Entry create / get / update / delete / batch / concurrency behaviour. */
export function entryTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  const addBundle = (trustDomain: string) => ds().createBundle(emptyBundle(trustDomain));

  test('create assigns a UUID, revision 0 and creation time; get returns the same entry', async () => {
    const created = await ds().createEntry(
      newEntry({
        selectors: sels('unix:uid:1000', 'k8s:ns:prod', 'k8s:ns:prod'),
        dnsNames: ['b.example', 'a.example'],
      }),
    );
    expect(created.id).toMatch(UUID);
    expect(created.revisionNumber).toBe(0);
    expect(created.createdAt).toBe(Math.floor(ctx.nowMs() / 1000));
    expect(created.selectors).toEqual(sels('k8s:ns:prod', 'unix:uid:1000'));
    expect(created.dnsNames).toEqual(['b.example', 'a.example']);
    expect(created.jwtSvidIncludeJti).toBe(false);
    expect(created.disableX509SvidPrefetch).toBe(false);
    expect(await ds().getEntry(created.id)).toEqual(created);
  });

  test('every field round-trips', async () => {
    await addBundle('b.org');
    await addBundle('a.org');
    const input = newEntry({
      id: 'custom.ID_1-x',
      x509SvidTtl: 7200,
      jwtSvidTtl: 60,
      federatesWith: ['b.org', 'a.org'],
      admin: true,
      downstream: true,
      expiresAt: 1_900_000_000,
      storeSvid: true,
      hint: 'web',
      jwtSvidIncludeJti: true,
      disableX509SvidPrefetch: true,
    });
    const created = await ds().createEntry(input);
    expect(created).toEqual({
      ...input,
      federatesWith: ['a.org', 'b.org'],
      revisionNumber: 0,
      createdAt: 1_700_000_000,
    });
    expect(await ds().getEntry('custom.ID_1-x')).toEqual(created);
  });

  test('a taken custom ID is AlreadyExists', async () => {
    await ds().createEntry(newEntry({ id: 'one' }));
    const err = await rejection(
      ds().createEntry(newEntry({ id: 'one', spiffeId: 'spiffe://example.org/other' })),
    );
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err).not.toBeInstanceOf(SimilarEntryExistsError);
    expect(await ds().countEntries()).toBe(1);
  });

  test('a similar entry (same parent, SPIFFE ID, selector set in any order) is AlreadyExists with the existing one', async () => {
    const first = await ds().createEntry(newEntry({ selectors: sels('a:1', 'b:2') }));
    const err = await rejection(ds().createEntry(newEntry({ selectors: sels('b:2', 'a:1'), hint: 'other' })));
    expect(err).toBeInstanceOf(SimilarEntryExistsError);
    expect(err.message).toBe('similar entry already exists');
    expect((err as SimilarEntryExistsError).existing).toEqual(first);
    const again = await ds().createOrReturnEntry(newEntry({ selectors: sels('a:1', 'b:2') }));
    expect(again).toEqual({ entry: first, existing: true });
  });

  test('entries differing in parent, SPIFFE ID or selectors are not similar', async () => {
    await ds().createEntry(newEntry());
    await ds().createEntry(newEntry({ parentId: 'spiffe://example.org/other-agent' }));
    await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/other' }));
    const r = await ds().createOrReturnEntry(newEntry({ selectors: sels('unix:uid:1000', 'unix:gid:0') }));
    expect(r.existing).toBe(false);
    expect(await ds().countEntries()).toBe(4);
  });

  test.each([
    ['empty selectors', { selectors: [] }, 'missing selector list'],
    ['selector without value', { selectors: [{ type: 'unix', value: '' }] }, 'empty value'],
    ['bad entry ID characters', { id: 'a/b' }, 'entry ID contains invalid characters'],
    ['entry ID too long', { id: 'x'.repeat(256) }, 'entry ID too long'],
    ['negative TTL', { x509SvidTtl: -1 }, 'X509SvidTtl is not set'],
    ['missing SPIFFE ID', { spiffeId: '' }, 'missing SPIFFE ID'],
    [
      'store SVID with mixed selector types',
      { storeSvid: true, selectors: sels('a:1', 'b:1') },
      'selector types must be the same',
    ],
  ])('rejects %s with InvalidArgument and writes nothing', async (_name, overrides, message) => {
    const err = await rejection(ds().createEntry(newEntry(overrides)));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain(message);
    expect(await ds().countEntries()).toBe(0);
    expect(await ds().latestEventIds()).toEqual({ entry: 0, node: 0 });
  });

  test('federating with a trust domain without a bundle is FailedPrecondition and leaves no rows', async () => {
    await addBundle('a.org');
    const err = await rejection(ds().createEntry(newEntry({ federatesWith: ['a.org', 'missing.org'] })));
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toBe('unable to find federated bundle "missing.org"');
    expect(await ds().countEntries()).toBe(0);
    await ds().deleteBundle('a.org', 'RESTRICT');
  });

  test('getEntry of an absent ID is undefined; getEntries returns the ones that exist', async () => {
    const a = await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/a' }));
    const b = await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/b' }));
    expect(await ds().getEntry('nope')).toBeUndefined();
    const got = await ds().getEntries([a.id, 'nope', b.id, a.id]);
    expect([...got.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(got.get(b.id)).toEqual(b);
  });

  test('batch create keeps order with per-item outcomes and no partial rows for failed items', async () => {
    const existing = await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/existing' }));
    const results = await ds().createEntries([
      newEntry({ spiffeId: 'spiffe://example.org/1', dnsNames: ['one.example'] }),
      newEntry({ spiffeId: 'spiffe://example.org/2', selectors: [{ type: '', value: 'x' }] }),
      newEntry({ spiffeId: 'spiffe://example.org/existing' }),
      newEntry({ spiffeId: 'spiffe://example.org/3', federatesWith: ['nobundle.org'] }),
      newEntry({ spiffeId: 'spiffe://example.org/4', id: existing.id }),
      newEntry({ spiffeId: 'spiffe://example.org/5' }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true]);
    const [, invalid, similar, noBundle, takenId] = results;
    expect(!invalid?.ok && invalid?.error).toBeInstanceOf(InvalidArgumentError);
    expect(!similar?.ok && similar?.existing).toEqual(existing);
    expect(!noBundle?.ok && noBundle?.error).toBeInstanceOf(FailedPreconditionError);
    expect(!takenId?.ok && takenId?.error).toBeInstanceOf(AlreadyExistsError);
    const all = await scanAll(ds());
    expect(all.map((e) => e.spiffeId).sort()).toEqual(
      ['1', '5', 'existing'].map((p) => `spiffe://example.org/${p}`),
    );
    expect(all.find((e) => e.spiffeId.endsWith('/1'))?.dnsNames).toEqual(['one.example']);
  });

  test('duplicates inside one batch: the second is AlreadyExists with the first as existing', async () => {
    const results = await ds().createEntries([newEntry(), newEntry({ hint: 'dup' })]);
    expect(results[0]?.ok).toBe(true);
    const second = results[1];
    expect(second?.ok).toBe(false);
    if (second?.ok === false && results[0]?.ok) {
      expect(second.error).toBeInstanceOf(SimilarEntryExistsError);
      expect(second.existing?.id).toBe(results[0].entry.id);
    }
    expect(await ds().countEntries()).toBe(1);
  });

  test('concurrent creates of the same entry yield one entry and AlreadyExists for the others', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => ds().createEntry(newEntry())));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(ok).toHaveLength(1);
    for (const f of failed) expect(f.reason).toBeInstanceOf(AlreadyExistsError);
    expect(await ds().countEntries()).toBe(1);
  });

  test('concurrent overlapping batches create every entry exactly once', async () => {
    const batch = (from: number) =>
      Array.from({ length: 20 }, (_, i) => newEntry({ spiffeId: `spiffe://example.org/w${from + i}` }));
    const results = await Promise.all([
      ds().createEntries(batch(0)),
      ds().createEntries(batch(10)),
      ds().createEntries(batch(5)),
    ]);
    const created = results.flat().filter((r) => r.ok).length;
    expect(created).toBe(30);
    expect(await ds().countEntries()).toBe(30);
  });

  // better-sqlite3 is synchronous: a second in-process connection would wait on the first inside one thread,
  // so SQLite runs this race across processes instead (sqlite.test.ts).
  if (ctx.multiConnection) {
    test('two stores (separate connections) racing the same batch create each entry once', async () => {
      const other = await ctx.openAnother();
      const batch = Array.from({ length: 50 }, (_, i) =>
        newEntry({ spiffeId: `spiffe://example.org/r${i}` }),
      );
      const results = await Promise.all([
        ds().createEntries(batch),
        other.createEntries(batch),
        ds().createEntries(batch),
      ]);
      const flat = results.flat();
      expect(flat.filter((r) => r.ok)).toHaveLength(50);
      for (const r of flat) if (!r.ok) expect(r.error).toBeInstanceOf(SimilarEntryExistsError);
      expect(await other.countEntries()).toBe(50);
      expect((await ds().listEntryEventsAfter(0)).length).toBe(50);
    });
  }

  test('update without a mask writes every field and bumps the revision', async () => {
    await addBundle('a.org');
    const e = await ds().createEntry(newEntry());
    const updated = await ds().updateEntry({
      ...e,
      spiffeId: 'spiffe://example.org/new',
      selectors: sels('z:1', 'a:1'),
      dnsNames: ['x.example'],
      federatesWith: ['a.org'],
      hint: 'h',
      admin: true,
      revisionNumber: 99,
      createdAt: 1,
    });
    expect(updated.revisionNumber).toBe(1);
    expect(updated.createdAt).toBe(e.createdAt);
    expect(updated.selectors).toEqual(sels('a:1', 'z:1'));
    expect(await ds().getEntry(e.id)).toEqual(updated);
  });

  test('update with a mask writes only the masked fields', async () => {
    const e = await ds().createEntry(newEntry({ dnsNames: ['keep.example'] }));
    const updated = await ds().updateEntry(
      {
        ...e,
        hint: 'new-hint',
        spiffeId: 'spiffe://example.org/ignored',
        dnsNames: [],
        selectors: sels('x:y'),
      },
      { hint: true },
    );
    expect(updated).toEqual({ ...e, hint: 'new-hint', revisionNumber: 1 });
    const twice = await ds().updateEntry({ ...updated, selectors: sels('x:y') }, { selectors: true });
    expect(twice.revisionNumber).toBe(2);
    expect((await ds().getEntry(e.id))?.selectors).toEqual(sels('x:y'));
    const exact = await ds().listEntries({ selectors: { selectors: sels('x:y'), match: 'EXACT' } });
    expect(exact.items.map((x) => x.id)).toEqual([e.id]);
    expect(
      await ds().countEntries({ selectors: { selectors: sels('unix:uid:1000'), match: 'MATCH_ANY' } }),
    ).toBe(0);
    expect((await ds().getEntry(e.id))?.dnsNames).toEqual(['keep.example']);
  });

  test('additional attributes are written by a masked update only when masked and survive a reopen', async () => {
    const e = await ds().createEntry(newEntry({ jwtSvidIncludeJti: true }));
    expect(e.jwtSvidIncludeJti).toBe(true);
    expect(e.disableX509SvidPrefetch).toBe(false);
    const unmasked = await ds().updateEntry(
      { ...e, jwtSvidIncludeJti: false, disableX509SvidPrefetch: true, hint: 'h' },
      { hint: true },
    );
    expect(unmasked).toEqual({ ...e, hint: 'h', revisionNumber: 1 });
    const masked = await ds().updateEntry(
      { ...unmasked, jwtSvidIncludeJti: false, disableX509SvidPrefetch: true },
      { jwtSvidIncludeJti: true, disableX509SvidPrefetch: true },
    );
    expect(masked).toEqual({
      ...unmasked,
      jwtSvidIncludeJti: false,
      disableX509SvidPrefetch: true,
      revisionNumber: 2,
    });
    const reopened = await ctx.reopen();
    expect(await reopened.getEntry(e.id)).toEqual(masked);
    expect(await scanAll(reopened)).toEqual([masked]);
  });

  test('an update that makes an entry similar to another is AlreadyExists and changes nothing', async () => {
    await ds().createEntry(newEntry({ selectors: sels('a:1') }));
    const b = await ds().createEntry(newEntry({ selectors: sels('b:1') }));
    const err = await rejection(ds().updateEntry({ ...b, selectors: sels('a:1') }, { selectors: true }));
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(await ds().getEntry(b.id)).toEqual(b);
  });

  test('update of an absent entry is NotFound; invalid values and missing bundles change nothing', async () => {
    const e = await ds().createEntry(newEntry());
    expect(await rejection(ds().updateEntry({ ...e, id: 'absent' }))).toBeInstanceOf(NotFoundError);
    expect(await rejection(ds().updateEntry({ ...e, selectors: [] }))).toBeInstanceOf(InvalidArgumentError);
    const err = await rejection(
      ds().updateEntry({ ...e, federatesWith: ['nope.org'] }, { federatesWith: true }),
    );
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(await ds().getEntry(e.id)).toEqual(e);
  });

  test('delete returns the entry and removes it with its children; absent is NotFound', async () => {
    const e = await ds().createEntry(newEntry({ dnsNames: ['d.example'] }));
    expect(await ds().deleteEntry(e.id)).toEqual(e);
    expect(await ds().getEntry(e.id)).toBeUndefined();
    expect(await scanAll(ds())).toEqual([]);
    const err = await rejection(ds().deleteEntry(e.id));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('entry not found');
    const again = await ds().createEntry(newEntry());
    expect(again.id).not.toBe(e.id);
  });

  test('scanEntriesForCache returns every entry exactly as getEntry does, in creation order, at any page size', async () => {
    await addBundle('a.org');
    const made = await ds().createEntries(
      Array.from({ length: 25 }, (_, i) =>
        newEntry({
          spiffeId: `spiffe://example.org/w${i}`,
          selectors: sels(`unix:uid:${i}`, 'k8s:ns:prod', 'k8s:B', 'k8s:a'),
          dnsNames: i % 2 === 0 ? [`w${i}.example`, `a${i}.example`] : [],
          federatesWith: i % 3 === 0 ? ['a.org'] : [],
        }),
      ),
    );
    const ids = made.map((r) => (r.ok ? r.entry.id : ''));
    await ds().deleteEntry(ids[7] as string);
    await ds().deleteEntry(ids[8] as string);
    const expected = await Promise.all(
      ids.filter((_, i) => i !== 7 && i !== 8).map((id) => ds().getEntry(id)),
    );
    for (const pageSize of [undefined, 1, 4, 23, 24]) expect(await scanAll(ds(), pageSize)).toEqual(expected);
  });
}
