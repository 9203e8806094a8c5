import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@lanyard/base';
import type { FederationRelationship } from '../../src/datastore';
import { bundleParts, makeJwtKey, newEntry, rejection, spiffeBundle, type SuiteContext } from './fixtures';

/** Federation relationships CRUD and migrations on reopen. */
export function federationTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  const bundle = (trustDomain: string, sequenceNumber = 1) =>
    spiffeBundle({
      trustDomain,
      x509Authorities: [],
      jwtAuthorities: [makeJwtKey('k', 0)],
      refreshHint: 0,
      sequenceNumber,
    });
  /** The relationship with its bundle as plain data, for `toEqual`. */
  const plain = (r: FederationRelationship | undefined) =>
    r && { ...r, trustDomainBundle: bundleParts(r.trustDomainBundle) };
  const rel = (trustDomain: string, extra: Partial<FederationRelationship> = {}): FederationRelationship => ({
    trustDomain,
    bundleEndpointUrl: `https://${trustDomain}:8443`,
    bundleEndpointProfile: 'https_web',
    ...extra,
  });

  test('create stores the relationship and its bundle; get returns both', async () => {
    const b = bundle('a.org');
    const created = await ds().createFederationRelationship(
      rel('a.org', {
        bundleEndpointProfile: 'https_spiffe',
        endpointSpiffeId: 'spiffe://a.org/spire/server',
        trustDomainBundle: b,
      }),
    );
    expect(bundleParts(created.trustDomainBundle)).toEqual(bundleParts(b));
    expect(plain(await ds().getFederationRelationship('a.org'))).toEqual(plain(created));
    expect(bundleParts(await ds().getBundle('a.org'))).toEqual(bundleParts(b));
    const noBundle = await ds().createFederationRelationship(rel('b.org'));
    expect(noBundle).toEqual(rel('b.org'));
    expect(await ds().getFederationRelationship('none.org')).toBeUndefined();
  });

  test('duplicates are AlreadyExists; https_spiffe without an endpoint ID is InvalidArgument', async () => {
    await ds().createFederationRelationship(rel('a.org'));
    expect(await rejection(ds().createFederationRelationship(rel('a.org')))).toBeInstanceOf(
      AlreadyExistsError,
    );
    const err = await rejection(
      ds().createFederationRelationship(rel('b.org', { bundleEndpointProfile: 'https_spiffe' })),
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(await ds().getFederationRelationship('b.org')).toBeUndefined();
  });

  test('list pages by trust domain with bundles attached', async () => {
    await ds().createFederationRelationship(rel('c.org', { trustDomainBundle: bundle('c.org') }));
    await ds().createFederationRelationship(rel('a.org'));
    await ds().createFederationRelationship(rel('b.org'));
    const first = await ds().listFederationRelationships({ pageSize: 2 });
    const second = await ds().listFederationRelationships({ pageSize: 2, pageToken: first.nextPageToken });
    const all = [...first.items, ...second.items];
    expect(all.map((r) => r.trustDomain)).toEqual(['a.org', 'b.org', 'c.org']);
    expect(all[2]?.trustDomainBundle?.trustDomain.name).toBe('c.org');
    expect(second.nextPageToken).toBe('');
  });

  test('update writes masked fields and can replace the bundle; absent is NotFound', async () => {
    await ds().createFederationRelationship(rel('a.org', { trustDomainBundle: bundle('a.org') }));
    const moved = await ds().updateFederationRelationship(
      rel('a.org', { bundleEndpointUrl: 'https://moved:1', bundleEndpointProfile: 'https_spiffe' }),
      { bundleEndpointUrl: true },
    );
    expect(moved.bundleEndpointUrl).toBe('https://moved:1');
    expect(moved.bundleEndpointProfile).toBe('https_web');
    const rebundled = await ds().updateFederationRelationship(
      rel('a.org', { trustDomainBundle: bundle('a.org', 5) }),
      {
        trustDomainBundle: true,
      },
    );
    expect(rebundled.trustDomainBundle?.sequenceNumber).toBe(5);
    expect(await rejection(ds().updateFederationRelationship(rel('none.org')))).toBeInstanceOf(NotFoundError);
  });

  test('delete removes the relationship but keeps its bundle; absent is NotFound', async () => {
    await ds().createFederationRelationship(rel('a.org', { trustDomainBundle: bundle('a.org') }));
    await ds().deleteFederationRelationship('a.org');
    expect(await ds().getFederationRelationship('a.org')).toBeUndefined();
    expect(await ds().getBundle('a.org')).toBeDefined();
    expect(await rejection(ds().deleteFederationRelationship('a.org'))).toBeInstanceOf(NotFoundError);
  });

  test('migrations apply once; reopening keeps the data and applies nothing', async () => {
    const e = await ds().createEntry(newEntry());
    const again = await ctx.reopen();
    expect(ctx.logs()).toEqual([]);
    expect(await again.getEntry(e.id)).toEqual(e);
    expect(await again.countEntries()).toBe(1);
  });
}
