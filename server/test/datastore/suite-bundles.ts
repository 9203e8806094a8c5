import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@lanyard/base';
import {
  type BundleParts,
  bundleParts,
  makeCert,
  makeJwtKey,
  newEntry,
  rejection,
  spiffeBundle,
  type SuiteContext,
} from './fixtures';

/** Bundles: CRUD, append dedupe, delete modes, pruning, taint and revoke. */
export function bundleTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  let shortCert: ReturnType<typeof makeCert>;
  let longCert: ReturnType<typeof makeCert>;
  beforeAll(() => {
    shortCert = makeCert(1, 'short');
    longCert = makeCert(30, 'long');
  });
  const parts = (trustDomain: string, extra: Partial<BundleParts> = {}): BundleParts => ({
    trustDomain,
    x509Authorities: [{ asn1: longCert.der }],
    jwtAuthorities: [],
    refreshHint: 300,
    sequenceNumber: 1,
    ...extra,
  });
  const bundle = (trustDomain: string, extra: Partial<BundleParts> = {}) =>
    spiffeBundle(parts(trustDomain, extra));
  const stored = async (trustDomain: string) => bundleParts(await ds().getBundle(trustDomain));

  test('create and get round-trip authorities and their metadata; duplicates are AlreadyExists', async () => {
    const key = { ...makeJwtKey('kid-1', 1_900_000_000), tainted: true };
    const p = parts('a.org', {
      jwtAuthorities: [key],
      x509Authorities: [{ asn1: longCert.der, tainted: true }],
    });
    const b = spiffeBundle(p);
    expect(bundleParts(await ds().createBundle(b))).toEqual(p);
    const got = await ds().getBundle('a.org');
    expect(bundleParts(got)).toEqual(p);
    expect(got?.equals(b)).toBe(true);
    expect(got?.jwtAuthorityMetadata.get('kid-1')).toEqual({ tainted: true, expiresAt: 1_900_000_000 });
    expect(await rejection(ds().createBundle(b))).toBeInstanceOf(AlreadyExistsError);
    expect(await ds().getBundle('none.org')).toBeUndefined();
  });

  test('re-reading an unchanged bundle returns the same decoded bundle; a change is read back at once', async () => {
    await ds().createBundle(bundle('a.org'));
    const first = await ds().getBundle('a.org');
    expect(await ds().getBundle('a.org')).toBe(first);
    await ds().setBundle(bundle('a.org', { x509Authorities: [{ asn1: longCert.der, tainted: true }] }));
    const changed = await ds().getBundle('a.org');
    expect(changed).not.toBe(first);
    expect(bundleParts(changed)?.x509Authorities).toEqual([{ asn1: longCert.der, tainted: true }]);
    await ds().setBundle(bundle('a.org', { refreshHint: 60 }));
    expect((await ds().getBundle('a.org'))?.refreshHint).toBe(60);
  });

  test('list pages by trust domain and count counts', async () => {
    for (const td of ['c.org', 'a.org', 'b.org']) await ds().createBundle(bundle(td));
    const first = await ds().listBundles({ pageSize: 2 });
    const second = await ds().listBundles({ pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.items, ...second.items].map((b) => b.trustDomain.name)).toEqual([
      'a.org',
      'b.org',
      'c.org',
    ]);
    expect(second.nextPageToken).toBe('');
    expect((await ds().listBundles()).items).toHaveLength(3);
    expect(await ds().countBundles()).toBe(3);
  });

  test('update writes masked fields only; absent is NotFound; set upserts', async () => {
    await ds().createBundle(bundle('a.org'));
    const updated = await ds().updateBundle(bundle('a.org', { refreshHint: 60, x509Authorities: [] }), {
      refreshHint: true,
    });
    expect(bundleParts(updated)).toEqual(parts('a.org', { refreshHint: 60 }));
    expect(await stored('a.org')).toEqual(bundleParts(updated));
    expect(await rejection(ds().updateBundle(bundle('none.org')))).toBeInstanceOf(NotFoundError);
    await ds().setBundle(bundle('new.org', { sequenceNumber: 7 }));
    await ds().setBundle(bundle('a.org', { sequenceNumber: 9, x509Authorities: [] }));
    expect((await ds().getBundle('new.org'))?.sequenceNumber).toBe(7);
    expect(await stored('a.org')).toEqual(parts('a.org', { sequenceNumber: 9, x509Authorities: [] }));
  });

  test('append merges without duplicates and bumps the sequence only on change', async () => {
    const k1 = makeJwtKey('k1', 0);
    const k2 = makeJwtKey('k2', 0);
    const created = await ds().appendBundle(bundle('a.org', { jwtAuthorities: [k1] }));
    expect(created.sequenceNumber).toBe(1);
    const merged = await ds().appendBundle(
      bundle('a.org', {
        x509Authorities: [{ asn1: longCert.der }, { asn1: shortCert.der }],
        jwtAuthorities: [k1, k2],
      }),
    );
    expect(bundleParts(merged)?.x509Authorities.map((a) => a.asn1)).toEqual([longCert.der, shortCert.der]);
    expect([...merged.jwtAuthorities.keys()]).toEqual(['k1', 'k2']);
    expect(merged.sequenceNumber).toBe(2);
    const same = await ds().appendBundle(bundle('a.org', { jwtAuthorities: [k2] }));
    expect(same.sequenceNumber).toBe(2);
    expect(await stored('a.org')).toEqual(bundleParts(merged));
    const taken = await rejection(
      ds().appendBundle(bundle('a.org', { jwtAuthorities: [makeJwtKey('k1', 0)] })),
    );
    expect(taken).toBeInstanceOf(InvalidArgumentError);
    expect(taken.message).toBe('jwt authority "k1" is already in the bundle of "a.org" with another key');
  });

  test('concurrent appends keep every authority', async () => {
    await ds().createBundle(bundle('a.org', { x509Authorities: [] }));
    const keys = Array.from({ length: 6 }, (_, i) => makeJwtKey(`k${i}`, 0));
    await Promise.all(
      keys.map((k) => ds().appendBundle(bundle('a.org', { x509Authorities: [], jwtAuthorities: [k] }))),
    );
    const got = await ds().getBundle('a.org');
    expect([...(got?.jwtAuthorities.keys() ?? [])].sort()).toEqual(keys.map((k) => k.keyId));
    expect(got?.sequenceNumber).toBe(7);
  });

  test('delete RESTRICT refuses while entries federate with the bundle; absent is NotFound', async () => {
    await ds().createBundle(bundle('fed.org'));
    await ds().createEntry(newEntry({ federatesWith: ['fed.org'] }));
    const err = await rejection(ds().deleteBundle('fed.org', 'RESTRICT'));
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toBe('cannot delete bundle; federated with 1 registration entries');
    expect(await ds().getBundle('fed.org')).toBeDefined();
    expect(await rejection(ds().deleteBundle('none.org'))).toBeInstanceOf(NotFoundError);
  });

  test('delete DELETE removes the federated entries with events', async () => {
    await ds().createBundle(bundle('fed.org'));
    const e = await ds().createEntry(newEntry({ federatesWith: ['fed.org'] }));
    const other = await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/other' }));
    const before = (await ds().latestEventIds()).entry;
    await ds().deleteBundle('fed.org', 'DELETE');
    expect(await ds().getBundle('fed.org')).toBeUndefined();
    expect(await ds().getEntry(e.id)).toBeUndefined();
    expect(await ds().getEntry(other.id)).toEqual(other);
    expect((await ds().listEntryEventsAfter(before)).map((ev) => ev.entryId)).toEqual([e.id]);
  });

  test('delete DISSOCIATE keeps the entries, drops the federation and bumps their revision', async () => {
    await ds().createBundle(bundle('fed.org'));
    await ds().createBundle(bundle('keep.org'));
    const e = await ds().createEntry(newEntry({ federatesWith: ['fed.org', 'keep.org'] }));
    await ds().deleteBundle('fed.org', 'DISSOCIATE');
    expect(await ds().getEntry(e.id)).toEqual({ ...e, federatesWith: ['keep.org'], revisionNumber: 1 });
    const subset = await ds().listEntries({ federatesWith: { trustDomains: ['keep.org'], match: 'SUBSET' } });
    expect(subset.items.map((x) => x.id)).toEqual([e.id]);
    const exact = await ds().countEntries({ federatesWith: { trustDomains: ['keep.org'], match: 'EXACT' } });
    expect(exact).toBe(1);
    expect(await ds().countBundles()).toBe(1);
  });

  test('prune drops expired authorities, bumps the sequence and refuses to drop all', async () => {
    const expired = makeJwtKey('old', 1_000);
    const live = makeJwtKey('live', 0);
    await ds().createBundle(
      bundle('a.org', {
        x509Authorities: [{ asn1: shortCert.der }, { asn1: longCert.der }],
        jwtAuthorities: [expired, live],
      }),
    );
    expect(await ds().pruneBundle('a.org', shortCert.notAfter + 1)).toBe(true);
    const got = await stored('a.org');
    expect(got?.x509Authorities.map((a) => a.asn1)).toEqual([longCert.der]);
    expect(got?.jwtAuthorities.map((k) => k.keyId)).toEqual(['live']);
    expect(got?.sequenceNumber).toBe(2);
    expect(await ds().pruneBundle('a.org', shortCert.notAfter + 1)).toBe(false);
    const err = await rejection(ds().pruneBundle('a.org', longCert.notAfter + 1));
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(await stored('a.org')).toEqual(got);
  });

  test('X.509 authorities are tainted then revoked by subject key ID', async () => {
    await ds().createBundle(
      bundle('a.org', { x509Authorities: [{ asn1: shortCert.der }, { asn1: longCert.der }] }),
    );
    expect(await rejection(ds().revokeX509Authority('a.org', shortCert.ski))).toBeInstanceOf(
      FailedPreconditionError,
    );
    await ds().taintX509Authority('a.org', shortCert.ski.toUpperCase());
    expect((await ds().getBundle('a.org'))?.x509AuthorityMetadata.map((m) => m.tainted)).toEqual([
      true,
      false,
    ]);
    const again = await rejection(ds().taintX509Authority('a.org', shortCert.ski));
    expect(again.message).toBe('root CA is already tainted');
    await ds().revokeX509Authority('a.org', shortCert.ski);
    expect((await stored('a.org'))?.x509Authorities).toEqual([{ asn1: longCert.der }]);
    expect(await rejection(ds().taintX509Authority('a.org', 'ab'.repeat(20)))).toBeInstanceOf(NotFoundError);
  });

  test('JWT keys are tainted then revoked by key ID', async () => {
    await ds().createBundle(bundle('a.org', { jwtAuthorities: [makeJwtKey('k1', 0), makeJwtKey('k2', 0)] }));
    const untainted = await rejection(ds().revokeJwtAuthority('a.org', 'k1'));
    expect(untainted.message).toBe('it is not possible to revoke an untainted key');
    await ds().taintJwtAuthority('a.org', 'k1');
    expect(await rejection(ds().taintJwtAuthority('a.org', 'k1'))).toBeInstanceOf(FailedPreconditionError);
    await ds().revokeJwtAuthority('a.org', 'k1');
    expect([...((await ds().getBundle('a.org'))?.jwtAuthorities.keys() ?? [])]).toEqual(['k2']);
    expect(await rejection(ds().taintJwtAuthority('a.org', 'nope'))).toBeInstanceOf(NotFoundError);
  });
}
