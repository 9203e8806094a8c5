import { status } from '@grpc/grpc-js';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import {
  JwtSource,
  JwtSvid,
  SpiffeId,
  TrustDomain,
  WorkloadApiClient,
  X509Source,
  verifyX509Svid,
  BundleError,
  WorkloadApiError,
} from '../src';
import { InvalidArgumentError } from '@lanyard/base';
import { FAST_BACKOFF, Inbox, waitUntil } from './workloadapi-helpers';

const td = TrustDomain.parse('example.org');
const fedTd = TrustDomain.parse('fed.test');

describe('X509Source and JwtSource', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const fed = TestCa.create({ trustDomain: 'fed.test' });
  const jwtKey = ca.createJwtKey({ kid: 'k1' });
  const web = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  const web2 = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  const admin = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/admin' });
  let server: WorkloadApiTestServer;
  const clientOptions = () => ({ address: server.address, backoff: FAST_BACKOFF });

  beforeEach(async () => {
    server = await WorkloadApiTestServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('X509Source waits for the first update, then serves SVID and bundles', async () => {
    const pending = X509Source.create({ clientOptions: clientOptions() });
    await waitUntil(() => server.calls.length >= 2); // PERMISSION_DENIED, retried
    server.setX509Context({ svids: [web], federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
    const source = await pending;
    expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/web');
    expect(source.getX509BundleForTrustDomain(td).x509Authorities[0].raw).toEqual(ca.certificate.der);
    expect(source.getX509BundleForTrustDomain(fedTd).x509Authorities).toHaveLength(1);
    const peer = fed.issueX509Svid({ spiffeId: 'spiffe://fed.test/api' });
    expect(verifyX509Svid(peer.chainDer, source).id.toString()).toBe('spiffe://fed.test/api');
    await source.close();
  });

  it('X509Source follows rotations and forgets trust domains missing from an update', async () => {
    server.setX509Context({ svids: [web], federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
    const source = await X509Source.create({ clientOptions: clientOptions() });
    const rotated = new Inbox<string>();
    const unsubscribe = source.onUpdate(() => rotated.push(source.getX509Svid().leaf.serialNumber));
    server.setX509Context({ svids: [web2] });
    expect(await rotated.next()).toBe(web2.certificates[0].x509.serialNumber);
    expect(() => source.getX509BundleForTrustDomain(fedTd)).toThrow(BundleError);
    unsubscribe();
    await source.close();
  });

  it('X509Source uses a picker and exposes every SVID', async () => {
    server.setX509Context({ svids: [web, { ...admin, hint: 'admin' }] });
    const source = await X509Source.create({
      clientOptions: clientOptions(),
      picker: (svids) => svids.find((s) => s.hint === 'admin') ?? svids[0],
    });
    expect(source.getX509Svid().id.path).toBe('/admin');
    expect(source.getX509Svids()).toHaveLength(2);
    expect(source.getX509Context().defaultSvid.id.path).toBe('/web');
    await source.close();
  });

  it('X509Source.create rejects on INVALID_ARGUMENT and on timeout, leaving nothing open', async () => {
    server.setError('FetchX509SVID', { code: status.INVALID_ARGUMENT, details: 'bad request' });
    await expect(X509Source.create({ clientOptions: clientOptions() })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    server.setError('FetchX509SVID', null);
    server.holdStreams('FetchX509SVID', true);
    server.setX509Context({ svids: [web] });
    const err = await X509Source.create({ clientOptions: clientOptions(), timeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkloadApiError);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('X509Source.close() ends the stream and refuses further reads', async () => {
    server.setX509Context({ svids: [web] });
    const errors: unknown[] = [];
    const source = await X509Source.create({
      clientOptions: clientOptions(),
      onError: (e) => errors.push(e),
    });
    expect(server.openStreams('FetchX509SVID')).toBe(1);
    await source.close();
    await source.close();
    expect(() => source.getX509Svid()).toThrow(WorkloadApiError);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
    expect(errors).toEqual([]);
  });

  it('X509Source can share a caller-owned client, which it leaves open', async () => {
    server.setX509Context({ svids: [web] });
    const client = new WorkloadApiClient(clientOptions());
    const source = await X509Source.create({ client });
    await source.close();
    expect((await client.fetchX509Svid()).id.path).toBe('/web');
    await client.close();
  });

  it('JwtSource keeps JWT bundles current and fetches JWT-SVIDs that validate against it', async () => {
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    server.setJwtIdentities([{ spiffeId: 'spiffe://example.org/web', key: jwtKey }]);
    const source = await JwtSource.create({ clientOptions: clientOptions() });
    const svid = await source.fetchJwtSvid({ audience: 'spiffe://example.org/db' });
    const validated = JwtSvid.parseAndValidate(svid.token, {
      bundles: source,
      audience: ['spiffe://example.org/db'],
    });
    expect(validated.id.toString()).toBe('spiffe://example.org/web');
    expect(
      await source.fetchJwtSvids({ audience: 'x', subject: SpiffeId.parse('spiffe://example.org/web') }),
    ).toHaveLength(1);

    const updated = new Inbox<void>();
    source.onUpdate(() => updated.push(undefined));
    const newKey = ca.createJwtKey({ kid: 'k2' });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    await updated.next();
    const token = newKey.signJwtSvid({ spiffeId: 'spiffe://example.org/batch', audience: 'db' });
    expect(JwtSvid.parseAndValidate(token, { bundles: source, audience: ['db'] }).id.path).toBe('/batch');
    expect(source.getJwtBundles().size).toBe(1);
    await source.close();
    expect(() => source.getJwtBundleForTrustDomain(td)).toThrow(WorkloadApiError);
    await expect(source.fetchJwtSvid({ audience: 'x' })).rejects.toBeInstanceOf(WorkloadApiError);
  });

  it('JwtSource.create waits through UNAVAILABLE until bundles arrive', async () => {
    server.setError('FetchJWTBundles', { code: status.UNAVAILABLE, details: 'agent not synced' });
    const errors = new Inbox<Error>();
    const pending = JwtSource.create({ clientOptions: clientOptions(), onError: errors.push });
    expect((await errors.next()).message).toBe(
      'workload api FetchJWTBundles: rpc error: code = Unavailable desc = agent not synced',
    );
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    server.setError('FetchJWTBundles', null);
    const source = await pending;
    expect(source.getJwtBundleForTrustDomain(td).findJwtAuthority('k1')).toBeDefined();
    await source.close();
  });
});
