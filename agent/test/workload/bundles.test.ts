import * as grpc from '@grpc/grpc-js';
import type { JWTBundlesResponse__Output, X509BundlesResponse__Output } from '@lanyard/proto';
import { JwtBundle, TrustDomain } from '@lanyard/spiffe';
import {
  header,
  issueSvid,
  makeEntry,
  makeTrustDomain,
  spiffeBundle,
  startApi,
  StreamReader,
  workloadClient,
  type RunningApi,
} from '../workload-fixtures';

const mine = `test:uid:${process.getuid!()}`;
let api: RunningApi;
let client: ReturnType<typeof workloadClient>;

async function setup(options: Parameters<typeof startApi>[0] = {}, withIdentity = true): Promise<void> {
  api = await startApi(options);
  client = workloadClient(api.socketPath);
  if (withIdentity) {
    const entry = makeEntry('e1', 'spiffe://example.org/web', [mine], {
      federatesWith: ['other.org', 'third.org'],
    });
    api.cache.updateEntries([entry]);
    api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  }
}

afterEach(async () => {
  client.close();
  await api.close();
});

test('§7.19: FetchX509Bundles always holds the own TD; federation changes show in the next message', async () => {
  await setup();
  const reader = new StreamReader<X509BundlesResponse__Output>(client.FetchX509Bundles({}, header()));
  const first = await reader.next();
  expect(Object.keys(first.bundles)).toEqual(['spiffe://example.org']);
  expect(first.bundles['spiffe://example.org'].equals(Buffer.concat(api.td.ca.bundle()))).toBe(true);
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  expect(Object.keys((await reader.next()).bundles).sort()).toEqual([
    'spiffe://example.org',
    'spiffe://other.org',
  ]);
  api.cache.setFederatedBundles([]);
  expect(Object.keys((await reader.next()).bundles)).toEqual(['spiffe://example.org']);
  reader.cancel();
});

test('§7.19: no bundle message is re-sent when nothing the caller sees changed', async () => {
  await setup();
  const reader = new StreamReader<X509BundlesResponse__Output>(client.FetchX509Bundles({}, header()));
  await reader.next();
  const entry = api.cache.entries()[0];
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  api.cache.setBundle(spiffeBundle('example.org', api.td.ca.bundle(), api.td.bundle.jwtAuthorities));
  await new Promise((r) => setTimeout(r, 100));
  expect(reader.pending).toBe(0);
  reader.cancel();
});

test('bundle streams refuse callers without identity, unless allow_unauthenticated_verifiers', async () => {
  await setup({}, false);
  const denied = await new StreamReader(client.FetchX509Bundles({}, header())).ended;
  expect([denied.code, denied.details]).toEqual([grpc.status.PERMISSION_DENIED, 'no identity issued']);
  const deniedJwt = await new StreamReader(client.FetchJWTBundles({}, header())).ended;
  expect(deniedJwt.code).toBe(grpc.status.PERMISSION_DENIED);
  client.close();
  await api.close();
  await setup({ allowUnauthenticatedVerifiers: true }, false);
  const reader = new StreamReader<X509BundlesResponse__Output>(client.FetchX509Bundles({}, header()));
  expect(Object.keys((await reader.next()).bundles)).toEqual(['spiffe://example.org']);
  reader.cancel();
});

test('§7.20: FetchJWTBundles sends plain JWK Sets with kid, parseable as JWT bundles, {"keys":[]} when empty', async () => {
  await setup();
  const empty = makeTrustDomain('third.org');
  api.cache.setFederatedBundles([spiffeBundle('third.org', empty.ca.bundle())]);
  const reader = new StreamReader<JWTBundlesResponse__Output>(client.FetchJWTBundles({}, header()));
  const msg = await reader.next();
  const own = JSON.parse(msg.bundles['spiffe://example.org'].toString('utf8'));
  expect(Object.keys(own)).toEqual(['keys']);
  expect(own.keys).toHaveLength(1);
  expect(own.keys[0]).toMatchObject({ kid: api.td.jwtKey.kid, kty: 'EC', crv: 'P-256' });
  expect(own.keys[0].use).toBeUndefined();
  expect(own.keys[0].d).toBeUndefined();
  const parsed = JwtBundle.parse(TrustDomain.parse('example.org'), msg.bundles['spiffe://example.org']);
  expect(parsed.findJwtAuthority(api.td.jwtKey.kid)?.equals(api.td.jwtKey.publicKey)).toBe(true);
  expect(msg.bundles['spiffe://third.org'].toString()).toBe('{"keys":[]}');
  reader.cancel();
});

test('FetchJWTBundles pushes JWT key rotation and suppresses unchanged messages', async () => {
  await setup();
  const reader = new StreamReader<JWTBundlesResponse__Output>(client.FetchJWTBundles({}, header()));
  await reader.next();
  api.cache.setSvid('e1', issueSvid(api.td.ca, api.cache.entries()[0]));
  const newKey = api.td.ca.createJwtKey();
  api.cache.setBundle(
    spiffeBundle('example.org', api.td.ca.bundle(), [
      ...api.td.bundle.jwtAuthorities,
      [newKey.kid, newKey.publicKey],
    ]),
  );
  const next = await reader.next();
  const kids = JSON.parse(next.bundles['spiffe://example.org'].toString()).keys.map(
    (k: { kid: string }) => k.kid,
  );
  expect(kids).toEqual([api.td.jwtKey.kid, newKey.kid]);
  expect(reader.pending).toBe(0);
  reader.cancel();
});
