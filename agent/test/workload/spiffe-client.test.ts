import { TrustDomain, WorkloadApiClient, X509Source, type X509Svid } from '@lanyard/spiffe';
import { issueSvid, makeEntry, makeTrustDomain, startApi, type RunningApi } from '../workload-fixtures';

const mine = `test:uid:${process.getuid!()}`;
let api: RunningApi;
let client: WorkloadApiClient;

beforeEach(async () => {
  api = await startApi();
  client = new WorkloadApiClient({
    address: `unix://${api.socketPath}`,
    backoff: { initialDelayMs: 50, multiplier: 1 },
  });
});

afterEach(async () => {
  await client.close();
  await api.close();
});

function addIdentity(id: string, spiffePath: string, extra: Parameters<typeof makeEntry>[3] = {}): void {
  const entry = makeEntry(id, `spiffe://example.org${spiffePath}`, [mine], extra);
  api.cache.updateEntries([...api.cache.entries().filter((e) => e.entryId !== id), entry]);
  api.cache.setSvid(id, issueSvid(api.td.ca, entry));
}

test('@lanyard/spiffe client: X.509 context, bundles and JWT round trip against the agent', async () => {
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  addIdentity('e1', '/web', { federatesWith: ['other.org'] });
  addIdentity('e2', '/db', { hint: 'internal' });
  const context = await client.fetchX509Context();
  expect(context.svids.map((s) => s.id.toString())).toEqual([
    'spiffe://example.org/web',
    'spiffe://example.org/db',
  ]);
  expect(context.defaultSvid.hint).toBeUndefined();
  expect(context.svids[1].hint).toBe('internal');
  expect(context.bundles.has(TrustDomain.parse('other.org'))).toBe(true);
  const bundles = await client.fetchX509Bundles();
  expect(
    bundles
      .bundles()
      .map((b) => b.trustDomain.name)
      .sort(),
  ).toEqual(['example.org', 'other.org']);
  const jwtBundles = await client.fetchJwtBundles();
  expect(jwtBundles.get(TrustDomain.parse('example.org'))?.findJwtAuthority(api.td.jwtKey.kid)).toBeDefined();
  const jwt = await client.fetchJwtSvid({ audience: 'db' });
  expect(jwt.id.toString()).toBe('spiffe://example.org/web');
  const validated = await client.validateJwtSvid(jwt.token, 'db');
  expect(validated.id.toString()).toBe('spiffe://example.org/web');
  await expect(client.validateJwtSvid(jwt.token, 'other')).rejects.toThrow();
});

test('§7.8: an X509Source waiting on PERMISSION_DENIED gets the SVID once the entry appears', async () => {
  const pending = X509Source.create({ client, timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 150));
  addIdentity('e1', '/late');
  const source = await pending;
  expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/late');
  await source.close();
});

test('an X509Source follows rotation pushed on the open stream', async () => {
  addIdentity('e1', '/web');
  const source = await X509Source.create({ client, timeoutMs: 10_000 });
  const first: X509Svid = source.getX509Svid();
  const rotated = new Promise<void>((resolve) => source.onUpdate(resolve));
  addIdentity('e1', '/web');
  await rotated;
  expect(source.getX509Svid().leaf.serialNumber).not.toBe(first.leaf.serialNumber);
  await source.close();
});
