import { status } from '@grpc/grpc-js';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import { JwtBundleSet, TrustDomain, WorkloadApiClient, type X509BundleSet, type X509Context } from '../src';
import { InvalidArgumentError, LanyardError } from '@lanyard/base';
import { FAST_BACKOFF, Inbox, waitUntil } from './workloadapi-helpers';

describe('WorkloadApiClient watches', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const fed = TestCa.create({ trustDomain: 'fed.test' });
  const svid1 = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  const svid2 = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  let server: WorkloadApiTestServer;
  let client: WorkloadApiClient;
  let updates: Inbox<X509Context>;
  let errors: Inbox<LanyardError>;

  beforeEach(async () => {
    server = await WorkloadApiTestServer.start();
    client = new WorkloadApiClient({ address: server.address, backoff: FAST_BACKOFF });
    updates = new Inbox();
    errors = new Inbox();
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  function watchX509() {
    return client.watchX509Context({ onUpdate: updates.push, onError: errors.push });
  }

  function serialOf(context: X509Context): string {
    return context.defaultSvid.leaf.serialNumber;
  }

  it('delivers the first context and every rotation over one stream', async () => {
    server.setX509Context({ svids: [svid1] });
    const watch = watchX509();
    expect(serialOf(await updates.next())).toBe(svid1.certificates[0].x509.serialNumber);
    for (let i = 0; i < 3; i++) {
      server.setX509Context({ svids: [i % 2 === 0 ? svid2 : svid1] });
      await updates.next();
    }
    server.setX509Context({ svids: [svid2], federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
    const last = await updates.next();
    expect(serialOf(last)).toBe(svid2.certificates[0].x509.serialNumber);
    expect(last.bundles.has(TrustDomain.parse('fed.test'))).toBe(true);
    expect(server.calls.filter((c) => c.method === 'FetchX509SVID')).toHaveLength(1);
    watch.stop();
    await watch.done;
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('reconnects after the server stops gracefully and restarts', async () => {
    server.setX509Context({ svids: [svid1] });
    watchX509();
    await updates.next();
    await server.stop();
    expect((await errors.next()).grpcStatus).toBe(status.UNAVAILABLE);
    server.setX509Context({ svids: [svid2] });
    await server.restart();
    expect(serialOf(await updates.next())).toBe(svid2.certificates[0].x509.serialNumber);
  });

  it('reconnects after the server drops the connection abruptly', async () => {
    server.setX509Context({ svids: [svid1] });
    watchX509();
    await updates.next();
    await server.stop({ abrupt: true });
    await errors.next();
    await server.restart();
    expect(serialOf(await updates.next())).toBe(svid1.certificates[0].x509.serialNumber);
  });

  it('keeps retrying on PERMISSION_DENIED until an identity is issued', async () => {
    watchX509();
    expect((await errors.next()).grpcStatus).toBe(status.PERMISSION_DENIED);
    expect((await errors.next()).grpcStatus).toBe(status.PERMISSION_DENIED);
    server.setX509Context({ svids: [svid1] });
    expect((await updates.next()).defaultSvid.id.toString()).toBe('spiffe://example.org/web');
  });

  it('reconnects when the server ends the stream with PERMISSION_DENIED mid-watch', async () => {
    server.setX509Context({ svids: [svid1] });
    watchX509();
    await updates.next();
    server.endStreams('FetchX509SVID', { code: status.PERMISSION_DENIED, details: 'no identity issued' });
    expect((await errors.next()).grpcStatus).toBe(status.PERMISSION_DENIED);
    await updates.next();
    expect(server.calls.filter((c) => c.method === 'FetchX509SVID')).toHaveLength(2);
  });

  it('treats a stream closed with OK as lost and reconnects', async () => {
    server.setX509Context({ svids: [svid1] });
    watchX509();
    await updates.next();
    server.endStreams('FetchX509SVID');
    expect((await errors.next()).message).toBe('workload api FetchX509SVID: stream closed by the server');
    await updates.next();
  });

  it('stops for good on INVALID_ARGUMENT', async () => {
    server.setError('FetchX509SVID', {
      code: status.INVALID_ARGUMENT,
      details: 'security header missing from request',
    });
    const watch = watchX509();
    await watch.done;
    expect(watch.fatalError).toBeInstanceOf(InvalidArgumentError);
    expect((await errors.next()).grpcStatus).toBe(status.INVALID_ARGUMENT);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.calls).toHaveLength(1);
  });

  it('reports a message that fails to parse and keeps the stream', async () => {
    const caLeaf = ca.issueCertificate({
      uris: ['spiffe://example.org/x'],
      isCa: true,
      keyUsage: ['keyCertSign'],
    });
    server.setX509Context({ svids: [ca.svidFromChain('spiffe://example.org/x', [caLeaf])] });
    watchX509();
    expect((await errors.next()).message).toBe(
      'x509 svid response svids[0]: leaf certificate: must not be a ca (basicConstraints cA is true)',
    );
    server.setX509Context({ svids: [svid1] });
    await updates.next();
    expect(server.calls).toHaveLength(1);
  });

  it('backs off between failed attempts instead of spinning', async () => {
    const slow = new WorkloadApiClient({
      address: server.address,
      backoff: { initialDelayMs: 200, maxDelayMs: 400 },
    });
    slow.watchX509Context({ onUpdate: () => undefined, onError: errors.push });
    await errors.next();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.calls).toHaveLength(1);
    await errors.next();
    await slow.close();
    expect(server.calls).toHaveLength(2);
  });

  it('watches X.509 bundles and JWT bundles', async () => {
    const x509 = new Inbox<X509BundleSet>();
    const jwt = new Inbox<JwtBundleSet>();
    server.setX509Context({ svids: [svid1] });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    client.watchX509Bundles({ onUpdate: x509.push });
    client.watchJwtBundles({ onUpdate: jwt.push });
    expect((await x509.next()).size).toBe(1);
    expect(
      (await jwt.next()).getJwtBundleForTrustDomain(TrustDomain.parse('example.org')).jwtAuthorities.size,
    ).toBe(0);
    const key = ca.createJwtKey({ kid: 'new' });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks(), 'spiffe://fed.test': fed.jwks() });
    const next = await jwt.next();
    expect(
      next
        .getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))
        .findJwtAuthority('new')
        ?.equals(key.publicKey),
    ).toBe(true);
    expect(next.size).toBe(2);
    server.setX509Context({ svids: [svid1], federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
    expect((await x509.next()).size).toBe(2);
  });

  it('close() stops every watch and leaves no stream open', async () => {
    server.setX509Context({ svids: [svid1] });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    const a = watchX509();
    const b = client.watchJwtBundles({ onUpdate: () => undefined });
    await updates.next();
    await client.close();
    await Promise.all([a.done, b.done]);
    await waitUntil(() => server.openStreams('FetchX509SVID') + server.openStreams('FetchJWTBundles') === 0);
    expect(errors.pending).toBe(0);
  });
});
