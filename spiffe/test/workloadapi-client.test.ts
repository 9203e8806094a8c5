import { status } from '@grpc/grpc-js';
import { TestCa, WorkloadApiTestServer, type TestX509Svid } from '@lanyard/test-support';
import { BundleError, SpiffeId, TrustDomain, WorkloadApiClient, WorkloadApiError } from '../src';
import { InvalidArgumentError, LanyardError, PermissionDeniedError } from '@lanyard/base';
import { FAST_BACKOFF, waitUntil } from './workloadapi-helpers';

const td = TrustDomain.parse('example.org');
const fedTd = TrustDomain.parse('fed.test');

describe('WorkloadApiClient one-shot calls', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const fed = TestCa.create({ trustDomain: 'fed.test' });
  const jwtKey = ca.createJwtKey({ kid: 'k1' });
  const web = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  const db = ca.createIntermediate().issueX509Svid({ spiffeId: 'spiffe://example.org/db' });
  let server: WorkloadApiTestServer;
  let client: WorkloadApiClient;

  beforeEach(async () => {
    server = await WorkloadApiTestServer.start();
    client = new WorkloadApiClient({ address: server.address, backoff: FAST_BACKOFF });
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  function serve(...svids: (TestX509Svid & { hint?: string })[]): void {
    server.setX509Context({ svids, federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
  }

  it('fetches the X.509 context: SVIDs in order, own and federated bundles', async () => {
    serve(web, db);
    const context = await client.fetchX509Context();
    expect(context.svids.map((s) => s.id.toString())).toEqual([
      'spiffe://example.org/web',
      'spiffe://example.org/db',
    ]);
    expect(context.defaultSvid.id.toString()).toBe('spiffe://example.org/web');
    expect(context.svids[1].certificates).toHaveLength(2);
    expect(context.defaultSvid.privateKey.equals(web.privateKey)).toBe(true);
    expect(context.bundles.getX509BundleForTrustDomain(td).x509Authorities[0].raw).toEqual(
      ca.certificate.der,
    );
    expect(context.bundles.getX509BundleForTrustDomain(fedTd).x509Authorities[0].raw).toEqual(
      fed.certificate.der,
    );
    expect((await client.fetchX509Svid()).id.toString()).toBe('spiffe://example.org/web');
    expect(await client.fetchX509Svids()).toHaveLength(2);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('drops later SVIDs that repeat a non-empty hint, keeps unhinted ones', async () => {
    const other = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/other' });
    serve({ ...web, hint: 'internal' }, { ...db, hint: 'internal' }, other, { ...db, hint: '' });
    const context = await client.fetchX509Context();
    expect(context.svids.map((s) => [s.id.path, s.hint])).toEqual([
      ['/web', 'internal'],
      ['/other', undefined],
      ['/db', undefined],
    ]);
  });

  it('receives messages above the grpc-js 4 MiB default, up to the 16 MiB an agent sends', async () => {
    const federatedBundles: Record<string, Buffer[]> = {};
    for (let i = 0; i < 9000; i++) federatedBundles[`spiffe://fed${i}.test`] = fed.bundle();
    server.setX509Context({ svids: [web], federatedBundles });
    const context = await client.fetchX509Context();
    expect(context.bundles.has(TrustDomain.parse('fed8999.test'))).toBe(true);
  });

  it('accepts bare trust domain names as federated bundle keys', async () => {
    server.setX509Context({ svids: [web], federatedBundles: { 'fed.test': fed.bundle() } });
    const context = await client.fetchX509Context();
    expect(context.bundles.has(fedTd)).toBe(true);
  });

  it('sends workload.spiffe.io: true on every RPC', async () => {
    serve(web);
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    server.setJwtIdentities([{ spiffeId: 'spiffe://example.org/web', key: jwtKey }]);
    await client.fetchX509Context();
    await client.fetchX509Bundles();
    await client.fetchJwtBundles();
    const token = await client.fetchJwtSvid({ audience: 'db' });
    await client.validateJwtSvid(token.token, 'db');
    expect(server.calls.map((c) => [c.method, c.securityHeader])).toEqual([
      ['FetchX509SVID', ['true']],
      ['FetchX509Bundles', ['true']],
      ['FetchJWTBundles', ['true']],
      ['FetchJWTSVID', ['true']],
      ['ValidateJWTSVID', ['true']],
    ]);
  });

  it('maps PERMISSION_DENIED to PermissionDeniedError without retrying', async () => {
    const err = await client.fetchX509Context().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as LanyardError).message).toBe(
      'workload api FetchX509SVID: rpc error: code = PermissionDenied desc = no identity issued',
    );
    expect(server.calls).toHaveLength(1);
  });

  it('maps other statuses to a LanyardError with the same gRPC status', async () => {
    server.setError('FetchX509Bundles', { code: status.UNIMPLEMENTED, details: 'not here' });
    const err = (await client.fetchX509Bundles().catch((e: unknown) => e)) as LanyardError;
    expect(err).toBeInstanceOf(LanyardError);
    expect(err.grpcStatus).toBe(status.UNIMPLEMENTED);
  });

  it('rejects a response whose SVID breaks the leaf rules', async () => {
    const caLeaf = ca.issueCertificate({
      uris: ['spiffe://example.org/bad'],
      isCa: true,
      keyUsage: ['keyCertSign'],
    });
    server.setX509Context({ svids: [ca.svidFromChain('spiffe://example.org/bad', [caLeaf])] });
    await expect(client.fetchX509Context()).rejects.toBeInstanceOf(WorkloadApiError);
  });

  it('rejects a response whose private key does not match the leaf', async () => {
    server.setX509Context({ svids: [{ ...web, privateKeyDer: db.privateKeyDer }] });
    await expect(client.fetchX509Context()).rejects.toThrow(/private key does not match/);
  });

  it('fetches X.509 bundles, including an empty one', async () => {
    server.setX509Bundles({ 'spiffe://example.org': ca.bundle(), 'spiffe://empty.test': Buffer.alloc(0) });
    const bundles = await client.fetchX509Bundles();
    expect(bundles.getX509BundleForTrustDomain(td).x509Authorities).toHaveLength(1);
    expect(bundles.getX509BundleForTrustDomain(TrustDomain.parse('empty.test')).x509Authorities).toHaveLength(
      0,
    );
  });

  it('fetches JWT bundles and rejects a malformed JWK Set', async () => {
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    const bundles = await client.fetchJwtBundles();
    const key = bundles.getJwtBundleForTrustDomain(td).findJwtAuthority('k1');
    expect(key?.equals(jwtKey.publicKey)).toBe(true);
    server.setJwtBundles({ 'spiffe://example.org': '{"keys": [{"kty": "EC"}' });
    await expect(client.fetchJwtBundles()).rejects.toBeInstanceOf(BundleError);
  });

  it('fetches JWT-SVIDs for the default identity, a chosen subject and extra audiences', async () => {
    server.setJwtIdentities([
      { spiffeId: 'spiffe://example.org/web', key: jwtKey, hint: 'a' },
      { spiffeId: 'spiffe://example.org/db', key: jwtKey, hint: 'a' },
      { spiffeId: 'spiffe://example.org/batch', key: jwtKey },
    ]);
    const first = await client.fetchJwtSvid({ audience: 'db', extraAudiences: ['cache'] });
    expect(first.id.toString()).toBe('spiffe://example.org/web');
    expect(first.audience).toEqual(['db', 'cache']);
    expect(first.hint).toBe('a');
    const chosen = await client.fetchJwtSvid({
      audience: 'db',
      subject: SpiffeId.parse('spiffe://example.org/batch'),
    });
    expect(chosen.id.path).toBe('/batch');
    expect(server.calls[1].request).toMatchObject({
      spiffe_id: 'spiffe://example.org/batch',
      audience: ['db'],
    });
    const all = await client.fetchJwtSvids({ audience: 'db' });
    expect(all.map((s) => s.id.path)).toEqual(['/web', '/batch']);
  });

  it('refuses a fetched JWT-SVID that is expired or misses the requested audience', async () => {
    const now = Math.floor(Date.now() / 1000);
    server.setJwtIdentities([
      { spiffeId: 'spiffe://example.org/web', key: jwtKey, claims: { exp: now - 120 } },
    ]);
    await expect(client.fetchJwtSvid({ audience: 'db' })).rejects.toBeInstanceOf(LanyardError);
    server.setJwtIdentities([
      { spiffeId: 'spiffe://example.org/web', key: jwtKey, claims: { aud: ['other'] } },
    ]);
    await expect(client.fetchJwtSvid({ audience: 'db' })).rejects.toThrow(/audience/);
  });

  it('reports PERMISSION_DENIED for a subject the workload is not entitled to', async () => {
    server.setJwtIdentities([{ spiffeId: 'spiffe://example.org/web', key: jwtKey }]);
    const subject = SpiffeId.parse('spiffe://example.org/else');
    await expect(client.fetchJwtSvid({ audience: 'db', subject })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });

  it('validates a JWT-SVID through the agent and rejects a wrong audience', async () => {
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    const token = jwtKey.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: ['db', 'x'] });
    const svid = await client.validateJwtSvid(token, 'db');
    expect(svid.id.toString()).toBe('spiffe://example.org/web');
    expect(svid.audience).toEqual(['db', 'x']);
    const err = await client.validateJwtSvid(token, 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(
      /^workload api ValidateJWTSVID: rpc error: code = InvalidArgument desc = expected audience/,
    );
    await expect(client.validateJwtSvid('', 'db')).rejects.toThrow('validate jwt svid: token is required');
  });

  it('honours callTimeoutMs on a silent stream', async () => {
    serve(web);
    server.holdStreams('FetchX509SVID', true);
    const slow = new WorkloadApiClient({ address: server.address, callTimeoutMs: 100 });
    const err = (await slow.fetchX509Context().catch((e: unknown) => e)) as LanyardError;
    await slow.close();
    expect(err.grpcStatus).toBe(status.DEADLINE_EXCEEDED);
  });

  it('close() cancels calls in flight and refuses new ones', async () => {
    serve(web);
    server.holdStreams('FetchX509SVID', true);
    const pending = client.fetchX509Context().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.close();
    await client.close();
    expect(((await pending) as LanyardError).grpcStatus).toBe(status.CANCELLED);
    await expect(client.fetchX509Context()).rejects.toBeInstanceOf(WorkloadApiError);
  });
});
