import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { X509SVIDResponse__Output } from '@lanyard/proto';
import { X509Bundle, X509Svid, verifyX509Svid, TrustDomain } from '@lanyard/spiffe';
import {
  eventually,
  header,
  issueSvid,
  makeEntry,
  makeTrustDomain,
  spiffeBundle,
  runClientProcess,
  startApi,
  StreamReader,
  workloadClient,
  type RunningApi,
} from '../workload-fixtures';

const uid = process.getuid!();
const mine = `test:uid:${uid}`;
let api: RunningApi;
let client: ReturnType<typeof workloadClient>;

beforeEach(async () => {
  api = await startApi();
  client = workloadClient(api.socketPath);
});

afterEach(async () => {
  client.close();
  await api.close();
});

function addIdentity(
  id: string,
  path: string,
  extra: Parameters<typeof makeEntry>[3] = {},
  selectors = [mine],
) {
  const entry = makeEntry(id, `spiffe://example.org${path}`, selectors, extra);
  api.cache.updateEntries([...api.cache.entries().filter((e) => e.entryId !== id), entry]);
  api.cache.setSvid(id, issueSvid(api.td.ca, entry));
  return entry;
}

function x509Stream(md = header()): StreamReader<X509SVIDResponse__Output> {
  return new StreamReader(client.FetchX509SVID({}, md));
}

test('§7.1/2: the package-less path /SpiffeWorkloadAPI/FetchX509SVID answers on unix:///abs/path', async () => {
  addIdentity('e1', '/web');
  const raw = new grpc.Client(`unix:///${api.socketPath.slice(1)}`, grpc.credentials.createInsecure());
  const stream = raw.makeServerStreamRequest(
    '/SpiffeWorkloadAPI/FetchX509SVID',
    () => Buffer.alloc(0),
    (b: Buffer) => b,
    {},
    header(),
  );
  const first = await new Promise<Buffer>((resolve, reject) => {
    stream.once('data', resolve);
    stream.once('error', reject);
  });
  expect(first.length).toBeGreaterThan(100);
  stream.cancel();
  raw.close();
});

test('§7.6: an entitled caller gets its first message at once', async () => {
  addIdentity('e1', '/web');
  const reader = x509Stream();
  const msg = await reader.next();
  expect(msg.svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/web']);
  reader.cancel();
});

test('§7.7: a caller with no matching entry gets PERMISSION_DENIED "no identity issued"', async () => {
  addIdentity('e1', '/other', {}, ['test:uid:99999']);
  const status = await x509Stream().ended;
  expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(status.details).toBe('no identity issued');
});

test('§7.12/13: x509_svid is DER leaf first, the key is PKCS#8 DER of the leaf, go-spiffe style parse accepts it', async () => {
  const inter = api.td.ca.createIntermediate();
  const entry = makeEntry('e1', 'spiffe://example.org/web', [mine]);
  api.cache.updateEntries([entry]);
  api.cache.setSvid('e1', issueSvid(inter, entry));
  const reader = x509Stream();
  const svid = (await reader.next()).svids[0];
  const parsed = X509Svid.parse(svid.x509_svid, svid.x509_svid_key);
  expect(parsed.id.toString()).toBe('spiffe://example.org/web');
  expect(parsed.certificates).toHaveLength(2);
  expect(parsed.certificates[1].ca).toBe(true);
  expect(svid.x509_svid[0]).toBe(0x30);
  const key = crypto.createPrivateKey({ key: svid.x509_svid_key, format: 'der', type: 'pkcs8' });
  expect(parsed.leaf.checkPrivateKey(key)).toBe(true);
  const bundle = X509Bundle.parse(TrustDomain.parse('example.org'), svid.bundle);
  expect(() => verifyX509Svid(parsed.certificates, bundle)).not.toThrow();
  reader.cancel();
});

test('§7.11/16: every message is complete: all SVIDs, own bundle in each, federated bundles keyed spiffe://td', async () => {
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  addIdentity('e1', '/a', { federatesWith: ['other.org'] });
  addIdentity('e2', '/b');
  const reader = x509Stream();
  const msg = await reader.next();
  expect(msg.svids).toHaveLength(2);
  const ownRoots = Buffer.concat(api.td.ca.bundle());
  for (const svid of msg.svids) expect(Buffer.compare(svid.bundle, ownRoots)).toBe(0);
  expect(Object.keys(msg.federated_bundles)).toEqual(['spiffe://other.org']);
  expect(msg.federated_bundles['spiffe://other.org'].equals(Buffer.concat(other.ca.bundle()))).toBe(true);
  expect(msg.crl).toEqual([]);
  reader.cancel();
});

test('§7.17: non-empty hints are unique; the oldest entry keeps a duplicated hint', async () => {
  addIdentity('e2', '/newer', { hint: 'internal', createdAt: 2000 });
  addIdentity('e3', '/older', { hint: 'internal', createdAt: 1000 });
  addIdentity('e1', '/plain');
  const reader = x509Stream();
  const msg = await reader.next();
  expect(msg.svids.map((s) => [s.spiffe_id, s.hint])).toEqual([
    ['spiffe://example.org/plain', ''],
    ['spiffe://example.org/older', 'internal'],
  ]);
  reader.cancel();
});

test('§7.18: order is by entry ID and stays stable across messages', async () => {
  addIdentity('c', '/c');
  addIdentity('a', '/a');
  addIdentity('b', '/b');
  const reader = x509Stream();
  const first = await reader.next();
  expect(first.svids.map((s) => s.spiffe_id)).toEqual(
    ['a', 'b', 'c'].map((x) => `spiffe://example.org/${x}`),
  );
  addIdentity('b', '/b');
  const second = await reader.next();
  expect(second.svids.map((s) => s.spiffe_id)).toEqual(first.svids.map((s) => s.spiffe_id));
  reader.cancel();
});

test('§7.10: rotation pushes a new complete message with the new leaf', async () => {
  const entry = addIdentity('e1', '/web');
  const reader = x509Stream();
  const before = (await reader.next()).svids[0].x509_svid;
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  const after = (await reader.next()).svids[0].x509_svid;
  expect(after.equals(before)).toBe(false);
  reader.cancel();
});

test('own bundle change pushes a message with the new roots', async () => {
  addIdentity('e1', '/web');
  const reader = x509Stream();
  await reader.next();
  const extra = makeTrustDomain('example.org');
  api.cache.setBundle(
    spiffeBundle('example.org', [...api.td.ca.bundle(), ...extra.ca.bundle()], api.td.bundle.jwtAuthorities),
  );
  const msg = await reader.next();
  expect(msg.svids[0].bundle.length).toBe(
    Buffer.concat([...api.td.ca.bundle(), ...extra.ca.bundle()]).length,
  );
  reader.cancel();
});

test('§7.9: removing one of two identities sends a message without it; removing the last ends with PERMISSION_DENIED', async () => {
  addIdentity('e1', '/a');
  addIdentity('e2', '/b');
  const reader = x509Stream();
  expect((await reader.next()).svids).toHaveLength(2);
  api.cache.updateEntries(api.cache.entries().filter((e) => e.entryId !== 'e2'));
  expect((await reader.next()).svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/a']);
  api.cache.updateEntries([]);
  const status = await reader.ended;
  expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(status.details).toBe('no identity issued');
  await eventually(() => api.server.activeStreams === 0 && api.cache.subscriberCount === 0);
});

test('an entry whose SVID is not signed yet makes the stream wait, then deliver', async () => {
  const entry = makeEntry('e1', 'spiffe://example.org/web', [mine]);
  api.cache.updateEntries([entry]);
  let wanted = 0;
  api.cache.onSvidsWanted(() => wanted++);
  const reader = x509Stream();
  await eventually(() => wanted > 0);
  expect(reader.pending).toBe(0);
  expect(api.cache.entriesNeedingSvids().map((e) => e.entryId)).toEqual(['e1']);
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  expect((await reader.next()).svids).toHaveLength(1);
  reader.cancel();
});

test('changes that do not affect the caller send nothing new', async () => {
  addIdentity('e1', '/web');
  const reader = x509Stream();
  await reader.next();
  addIdentity('x1', '/someone-else', {}, ['test:uid:99999']);
  addIdentity('e1', '/web');
  const next = await reader.next();
  expect(next.svids).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 100));
  expect(reader.pending).toBe(0);
  reader.cancel();
});

test('§7.27: before the first sync (no bundle) the stream fails UNAVAILABLE', async () => {
  const notReady = await startApi({ ready: false });
  const c = workloadClient(notReady.socketPath);
  const status = await new StreamReader(c.FetchX509SVID({}, header())).ended;
  expect(status.code).toBe(grpc.status.UNAVAILABLE);
  notReady.cache.setBundle(notReady.td.bundle);
  const entry = makeEntry('e1', 'spiffe://example.org/web', [mine]);
  notReady.cache.updateEntries([entry]);
  notReady.cache.setSvid('e1', issueSvid(notReady.td.ca, entry));
  const reader = new StreamReader(c.FetchX509SVID({}, header()));
  expect((await reader.next()).svids).toHaveLength(1);
  reader.cancel();
  c.close();
  await notReady.close();
});

test('§7.29: concurrent streams of one caller all receive the same updates', async () => {
  const entry = addIdentity('e1', '/web');
  const readers = [x509Stream(), x509Stream(), x509Stream()];
  await Promise.all(readers.map((r) => r.next()));
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  const updates = await Promise.all(readers.map((r) => r.next()));
  for (const u of updates) expect(u.svids[0].x509_svid.equals(updates[0].svids[0].x509_svid)).toBe(true);
  readers.forEach((r) => r.cancel());
});

test('§7.28: 1000 open/cancel cycles leave no stream or subscription behind', async () => {
  addIdentity('e1', '/web');
  const clients = Array.from({ length: 4 }, () => workloadClient(api.socketPath));
  for (let round = 0; round < 250; round++) {
    await Promise.all(
      clients.map(async (c) => {
        const reader = new StreamReader(c.FetchX509SVID({}, header()));
        await reader.next();
        reader.cancel();
      }),
    );
  }
  await eventually(() => api.server.activeStreams === 0 && api.cache.subscriberCount === 0);
  clients.forEach((c) => c.close());
});

test('a client process that exits mid-stream leaves the server healthy', async () => {
  addIdentity('e1', '/web');
  const result = await runClientProcess(api.socketPath, 'x509');
  expect(result).toEqual({ code: 0, spiffeIds: ['spiffe://example.org/web'] });
  await eventually(() => api.server.activeStreams === 0 && api.server.openConnections === 0);
  const again = x509Stream();
  expect((await again.next()).svids).toHaveLength(1);
  again.cancel();
});
