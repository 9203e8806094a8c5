import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import {
  IdentityCache,
  JwtSvidCache,
  createSvidMaterial,
  TaintedAuthorities,
  type WorkloadUpdate,
} from '../../src/manager/cache';
import { SpiffeBundle } from '@lanyard/spiffe';
import { issueSvid, makeEntry, makeTrustDomain } from '../workload-fixtures';

const td = makeTrustDomain('example.org');
const sel = (...s: string[]) => s.map((x) => ({ type: x.split(':')[0], value: x.slice(x.indexOf(':') + 1) }));

function readyCache(max?: number): IdentityCache {
  const cache = new IdentityCache({ trustDomain: 'example.org', x509SvidCacheMaxSize: max });
  cache.setBundle(td.bundle);
  return cache;
}

test('entries match when their selectors are a subset of the caller selectors; no selectors never match', () => {
  const cache = readyCache();
  cache.updateEntries([
    makeEntry('a', 'spiffe://example.org/a', ['unix:uid:1']),
    makeEntry('b', 'spiffe://example.org/b', ['unix:uid:1', 'unix:gid:2']),
    makeEntry('c', 'spiffe://example.org/c', ['unix:uid:1', 'unix:gid:3']),
    makeEntry('d', 'spiffe://example.org/d', []),
  ]);
  const ids = (s: string[]) => cache.match(sel(...s)).entries.map((e) => e.entryId);
  expect(ids(['unix:uid:1', 'unix:gid:2', 'k8s:ns:x'])).toEqual(['a', 'b']);
  expect(ids(['unix:gid:2'])).toEqual([]);
  expect(ids([])).toEqual([]);
});

test('updateEntries reports added, updated and removed entries and drops removed SVIDs', () => {
  const cache = readyCache();
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  expect(cache.updateEntries([a, makeEntry('b', 'spiffe://example.org/b', ['t:1'])])).toEqual({
    added: 2,
    updated: 0,
    removed: 0,
  });
  cache.setSvid('b', issueSvid(td.ca, cache.entries()[1]));
  expect(cache.updateEntries([{ ...a, revision: 2 }])).toEqual({ added: 0, updated: 1, removed: 1 });
  expect(cache.getSvid('b')).toBeUndefined();
  expect(cache.updateEntries([{ ...a, revision: 2 }])).toEqual({ added: 0, updated: 0, removed: 0 });
});

test('a changed SPIFFE ID drops the SVID at once; other changes keep it until replaced', () => {
  const cache = readyCache();
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  cache.updateEntries([a]);
  cache.setSvid('a', issueSvid(td.ca, a));
  cache.updateEntries([{ ...a, revision: 2, hint: 'h' }]);
  expect(cache.getSvid('a')).toBeDefined();
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['a']);
  cache.updateEntries([{ ...a, revision: 3, spiffeId: 'spiffe://example.org/renamed' }]);
  expect(cache.getSvid('a')).toBeUndefined();
});

test('hint de-duplication keeps the oldest entry, then the smaller ID; empty hints never collide', () => {
  const cache = readyCache();
  cache.updateEntries([
    makeEntry('b', 'spiffe://example.org/b', ['t:1'], { hint: 'h', createdAt: 5 }),
    makeEntry('a', 'spiffe://example.org/a', ['t:1'], { hint: 'h', createdAt: 5 }),
    makeEntry('c', 'spiffe://example.org/c', ['t:1'], { hint: 'h', createdAt: 4 }),
    makeEntry('d', 'spiffe://example.org/d', ['t:1']),
    makeEntry('e', 'spiffe://example.org/e', ['t:1']),
  ]);
  expect(cache.match(sel('t:1')).entries.map((e) => e.entryId)).toEqual(['c', 'd', 'e']);
  cache.updateEntries(cache.entries().filter((e) => e.entryId !== 'c'));
  expect(cache.match(sel('t:1')).entries.map((e) => e.entryId)).toEqual(['a', 'd', 'e']);
});

test('federated bundles reach only callers whose entries federate with them; the own TD is never federated', () => {
  const cache = readyCache();
  const other = makeTrustDomain('other.org');
  const third = makeTrustDomain('third.org');
  cache.setFederatedBundles([other.bundle, third.bundle]);
  cache.updateEntries([
    makeEntry('a', 'spiffe://example.org/a', ['t:1'], { federatesWith: ['other.org', 'missing.org'] }),
  ]);
  expect([...cache.match(sel('t:1')).federatedBundles.keys()]).toEqual(['other.org']);
  expect(() => cache.setFederatedBundles([td.bundle])).toThrow(InvalidArgumentError);
  expect(() => cache.setBundle(other.bundle)).toThrow(/is not the agent's trust domain/);
  expect(
    cache
      .allBundles()
      .bundles()
      .map((b) => b.trustDomain.name),
  ).toEqual(['example.org', 'other.org', 'third.org']);
  expect(cache.allBundles()).toBe(cache.allBundles());
  cache.setFederatedBundles([other.bundle]);
  expect(
    cache
      .allBundles()
      .bundles()
      .map((b) => b.trustDomain.name),
  ).toEqual(['example.org', 'other.org']);
});

test('setSvid for an unknown entry is NotFound; readiness follows the own bundle', () => {
  const cache = new IdentityCache({ trustDomain: 'example.org' });
  expect(cache.isReady()).toBe(false);
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  expect(() => cache.setSvid('a', issueSvid(td.ca, a))).toThrow(NotFoundError);
  cache.setBundle(td.bundle);
  expect(cache.isReady()).toBe(true);
});

test('negative cache sizes are rejected with SPIRE messages', () => {
  expect(() => new IdentityCache({ trustDomain: 'x', x509SvidCacheMaxSize: -1 })).toThrow(
    'x509_svid_cache_max_size should not be negative',
  );
  expect(() => new JwtSvidCache(-1)).toThrow('jwt_svid_cache_max_size should not be negative');
});

test('subscriptions are notified once per burst of changes, with the complete view, until unsubscribed', async () => {
  const cache = readyCache();
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  const seen: WorkloadUpdate[] = [];
  const sub = cache.subscribe(sel('t:1'), (u) => seen.push(u));
  cache.updateEntries([a]);
  cache.setSvid('a', issueSvid(td.ca, a));
  await Promise.resolve();
  expect(seen).toHaveLength(1);
  expect(seen[0].identities.map((i) => i.entry.entryId)).toEqual(['a']);
  expect(cache.subscriberCount).toBe(1);
  sub.unsubscribe();
  cache.updateEntries([]);
  await Promise.resolve();
  expect(seen).toHaveLength(1);
  expect(cache.subscriberCount).toBe(0);
});

test('LRU: over x509_svid_cache_max_size the least recently used unsubscribed SVIDs are evicted', () => {
  const cache = readyCache(2);
  const entries = ['a', 'b', 'c'].map((id) => makeEntry(id, `spiffe://example.org/${id}`, [`t:${id}`]));
  cache.updateEntries(entries);
  const sub = cache.subscribe(sel('t:a'), () => undefined);
  sub.current();
  cache.setSvid('a', issueSvid(td.ca, entries[0]));
  cache.setSvid('b', issueSvid(td.ca, entries[1]));
  cache.setSvid('c', issueSvid(td.ca, entries[2]));
  expect(cache.svidCount).toBe(2);
  expect(cache.getSvid('a')).toBeDefined();
  expect(cache.getSvid('b')).toBeUndefined();
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual([]);
  sub.unsubscribe();
});

test('entriesNeedingSvids: subscribed entries first, missing ones within the cap, stale by revision or half-life', () => {
  const cache = readyCache(2);
  const entries = ['a', 'b', 'c'].map((id) => makeEntry(id, `spiffe://example.org/${id}`, [`t:${id}`]));
  cache.updateEntries(entries);
  const sub = cache.subscribe(sel('t:c'), () => undefined);
  sub.current();
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['c', 'a']);
  const svid = issueSvid(td.ca, entries[2], 100);
  cache.setSvid('c', svid);
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['a']);
  cache.setSvid('a', issueSvid(td.ca, entries[0]));
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual([]);
  const later = new Date(svid.issuedAt.getTime() + 60_000);
  expect(cache.entriesNeedingSvids(later).map((e) => e.entryId)).toEqual(['c']);
  cache.updateEntries([entries[0], entries[1], { ...entries[2], revision: 2 }]);
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['c']);
  sub.unsubscribe();
});

test('onSvidsWanted fires when a subscriber matches an entry without an SVID', () => {
  const cache = readyCache();
  cache.updateEntries([makeEntry('a', 'spiffe://example.org/a', ['t:1'])]);
  let wanted = 0;
  const remove = cache.onSvidsWanted(() => wanted++);
  cache.subscribe(sel('t:1'), () => undefined).current();
  expect(wanted).toBe(1);
  remove();
  cache.subscribe(sel('t:1'), () => undefined).current();
  expect(wanted).toBe(1);
});

test('onSvidsWanted names the matched entries that lack an SVID', () => {
  const cache = readyCache();
  const [a, b] = [
    makeEntry('a', 'spiffe://example.org/a', ['t:1']),
    makeEntry('b', 'spiffe://example.org/b', ['t:1']),
  ];
  cache.updateEntries([a, b]);
  cache.setSvid('a', issueSvid(td.ca, a));
  const wanted: string[][] = [];
  cache.onSvidsWanted((entries) => wanted.push(entries.map((e) => e.entryId)));
  cache.subscribe(sel('t:1'), () => undefined).current();
  expect(wanted).toEqual([['b']]);
});

test('applyEntryChanges adds, updates and removes only the named entries', () => {
  const cache = readyCache();
  const [a, b, c] = ['a', 'b', 'c'].map((id) => makeEntry(id, `spiffe://example.org/${id}`, ['t:1']));
  cache.updateEntries([a, b]);
  cache.setSvid('a', issueSvid(td.ca, a));
  cache.setSvid('b', issueSvid(td.ca, b));
  const moved = { ...b, spiffeId: 'spiffe://example.org/b2', revision: 2 };
  expect(cache.applyEntryChanges([c, moved], ['a', 'unknown'])).toEqual({ added: 1, updated: 1, removed: 1 });
  expect(
    cache
      .entries()
      .map((e) => e.entryId)
      .sort(),
  ).toEqual(['b', 'c']);
  expect(cache.getSvid('a')).toBeUndefined();
  expect(cache.getSvid('b')).toBeUndefined(); // a new SPIFFE ID never keeps the old SVID
  expect(cache.applyEntryChanges([c], [])).toEqual({ added: 0, updated: 0, removed: 0 });
  expect(cache.entriesNeedingSvidsAmong([c]).map((e) => e.entryId)).toEqual(['c']);
});

test('createSvidMaterial copies DER out of large shared buffers, parses validity and checks the key', () => {
  const entry = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  const svid = td.ca.issueX509Svid({ spiffeId: entry.spiffeId, ttlSeconds: 600 });
  const big = Buffer.alloc(65536);
  svid.certificates[0].der.copy(big, 10);
  const slice = big.subarray(10, 10 + svid.certificates[0].der.length);
  const material = createSvidMaterial({
    certChainDer: [slice],
    privateKey: svid.privateKeyDer,
    entryRevision: 3,
  });
  expect(material.certChainDer[0].equals(slice)).toBe(true);
  expect(material.certChainDer[0].buffer).not.toBe(big.buffer);
  expect(material.chainDer.equals(slice)).toBe(true);
  expect(material.privateKeyDer.buffer).toBe(material.certChainDer[0].buffer); // stored together, once
  expect(material.privateKeyDer.equals(svid.privateKeyDer)).toBe(true);
  expect(material.expiresAt.getTime() - material.issuedAt.getTime()).toBeGreaterThanOrEqual(600_000);
  expect(material.entryRevision).toBe(3);
  const other = td.ca.issueX509Svid({ spiffeId: entry.spiffeId });
  expect(() =>
    createSvidMaterial({
      certChainDer: [svid.certificates[0].der],
      privateKey: other.privateKey,
      entryRevision: 1,
    }),
  ).toThrow('svid private key does not match the leaf certificate');
  expect(() =>
    createSvidMaterial({ certChainDer: [], privateKey: other.privateKey, entryRevision: 1 }),
  ).toThrow('svid cert_chain must not be empty');
  expect(() =>
    createSvidMaterial({
      certChainDer: [Buffer.from('junk')],
      privateKey: other.privateKey,
      entryRevision: 1,
    }),
  ).toThrow('svid leaf certificate does not parse');
});

test('JwtSvidCache: fresh before half-life, unexpired fallback after, key independent of audience order', () => {
  const cache = new JwtSvidCache(10);
  const svid = {
    token: 't',
    spiffeId: 'spiffe://example.org/a',
    issuedAt: new Date(0),
    expiresAt: new Date(100_000),
  };
  cache.set(['b', 'a'], svid);
  expect(cache.getFresh(svid.spiffeId, ['a', 'b'], new Date(49_000))?.token).toBe('t');
  expect(cache.getFresh(svid.spiffeId, ['a', 'b'], new Date(50_000))).toBeUndefined();
  expect(cache.getUnexpired(svid.spiffeId, ['a', 'b'], new Date(99_000))?.token).toBe('t');
  expect(cache.getUnexpired(svid.spiffeId, ['a', 'b'], new Date(100_000))).toBeUndefined();
  expect(cache.getFresh(svid.spiffeId, ['a'], new Date(1))).toBeUndefined();
  expect(cache.getFresh('spiffe://example.org/other', ['a', 'b'], new Date(1))).toBeUndefined();
});

test('JwtSvidCache is a hard-capped LRU', () => {
  const cache = new JwtSvidCache(2);
  const mk = (id: string) => ({
    token: id,
    spiffeId: `spiffe://example.org/${id}`,
    issuedAt: new Date(0),
    expiresAt: new Date(1e12),
  });
  cache.set(['a'], mk('1'));
  cache.set(['a'], mk('2'));
  cache.getFresh('spiffe://example.org/1', ['a'], new Date(1));
  cache.set(['a'], mk('3'));
  expect(cache.size).toBe(2);
  expect(cache.getFresh('spiffe://example.org/1', ['a'], new Date(1))?.token).toBe('1');
  expect(cache.getFresh('spiffe://example.org/2', ['a'], new Date(1))).toBeUndefined();
});

test('expired SVIDs are never served and dropExpiredSvids removes them and notifies subscribers', async () => {
  const cache = readyCache();
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  const b = makeEntry('b', 'spiffe://example.org/b', ['t:1']);
  cache.updateEntries([a, b]);
  // `a` expired a minute ago (issued two hours back with a one-hour TTL); `b` is current.
  cache.setSvid('a', issueSvid(td.ca, a, 3600, new Date(Date.now() - 2 * 3600_000)));
  cache.setSvid('b', issueSvid(td.ca, b));
  expect(cache.match(sel('t:1')).identities.map((i) => i.entry.entryId)).toEqual(['b']);

  const updates: WorkloadUpdate[] = [];
  const subscription = cache.subscribe(sel('t:1'), (update) => updates.push(update));
  expect(cache.dropExpiredSvids()).toBe(1);
  expect(cache.getSvid('a')).toBeUndefined();
  expect(cache.getSvid('b')).toBeDefined();
  await Promise.resolve();
  expect(updates).toHaveLength(1);
  expect(cache.dropExpiredSvids()).toBe(0);
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toContain('a');
  subscription.unsubscribe();
});

test('renewal is due between 45% and 50% of the lifetime, jittered per SVID', () => {
  const entry = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  const fractions = Array.from({ length: 20 }, () => {
    const svid = issueSvid(td.ca, entry, 1000);
    const lifetime = svid.expiresAt.getTime() - svid.issuedAt.getTime();
    return (svid.renewAt.getTime() - svid.issuedAt.getTime()) / lifetime;
  });
  for (const f of fractions) {
    expect(f).toBeGreaterThanOrEqual(0.45);
    expect(f).toBeLessThanOrEqual(0.5);
  }
  expect(new Set(fractions.map((f) => f.toFixed(6))).size).toBeGreaterThan(1);
});

test('SVIDs issued under a tainted authority are due at once; others keep their renewal point', () => {
  const cache = readyCache();
  const other = makeTrustDomain('example.org');
  const a = makeEntry('a', 'spiffe://example.org/a', ['t:1']);
  const b = makeEntry('b', 'spiffe://example.org/b', ['t:1']);
  const viaIntermediate = makeEntry('c', 'spiffe://example.org/c', ['t:1']);
  cache.updateEntries([a, b, viaIntermediate]);
  cache.setSvid('a', issueSvid(td.ca, a));
  cache.setSvid('b', issueSvid(other.ca, b));
  cache.setSvid('c', issueSvid(td.ca.createIntermediate(), viaIntermediate));
  expect(cache.entriesNeedingSvids()).toEqual([]);
  const tainted = new TaintedAuthorities(td.bundle.x509Authorities);
  cache.setTaintedAuthorities(tainted);
  expect(cache.getTaintedAuthorities()).toBe(tainted);
  expect(
    cache
      .entriesNeedingSvids()
      .map((e) => e.entryId)
      .sort(),
  ).toEqual(['a', 'c']);
  expect(tainted.sameAs(new TaintedAuthorities([...td.bundle.x509Authorities]))).toBe(true);
  expect(tainted.sameAs(TaintedAuthorities.NONE)).toBe(false);
  cache.setTaintedAuthorities(TaintedAuthorities.NONE);
  expect(cache.entriesNeedingSvids()).toEqual([]);
});

test('tainted authorities come from the bundle metadata the server sent', () => {
  const other = makeTrustDomain('example.org');
  const roots = [...td.bundle.x509Authorities, ...other.bundle.x509Authorities];
  const bundle = new SpiffeBundle({
    trustDomain: td.bundle.trustDomain,
    x509Authorities: roots,
    x509AuthorityMetadata: [{ tainted: false }, { tainted: true }],
  });
  const tainted = TaintedAuthorities.of(bundle);
  expect(tainted.authorities.map((c) => c.raw)).toEqual([other.bundle.x509Authorities[0].raw]);
  expect(TaintedAuthorities.of(td.bundle)).toBe(TaintedAuthorities.NONE);
});

test('entriesNeedingSvids: a disable_x509_svid_prefetch entry is signed only once a subscriber asks for it', () => {
  const cache = readyCache(10);
  const lazy = {
    ...makeEntry('lazy', 'spiffe://example.org/lazy', ['t:lazy']),
    disableX509SvidPrefetch: true,
  };
  const eager = makeEntry('eager', 'spiffe://example.org/eager', ['t:eager']);
  cache.updateEntries([lazy, eager]);
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['eager']);
  const sub = cache.subscribe(sel('t:lazy'), () => undefined);
  sub.current();
  expect(cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['lazy', 'eager']);
  const svid = issueSvid(td.ca, lazy, 100);
  cache.setSvid('lazy', svid);
  sub.unsubscribe();
  // Once signed, its SVID is renewed like any other.
  expect(cache.entriesNeedingSvids(new Date(svid.issuedAt.getTime() + 60_000)).map((e) => e.entryId)).toEqual(
    ['lazy', 'eager'],
  );
});
