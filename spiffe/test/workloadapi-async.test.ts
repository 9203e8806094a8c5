import { status } from '@grpc/grpc-js';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import { InvalidArgumentError } from '@lanyard/base';
import { WorkloadApiClient, WorkloadApiError, X509Source, JwtSource, type X509Context } from '../src';
import { FAST_BACKOFF, waitUntil } from './workloadapi-helpers';

describe('Workload API async surface (AbortSignal, async iteration, async disposal)', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const svid1 = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  const svid2 = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
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

  const serialOf = (context: X509Context) => context.defaultSvid.leaf.serialNumber;

  it('rejects a fetch with an already aborted signal without calling the agent', async () => {
    server.setX509Context({ svids: [svid1] });
    const reason = new Error('gave up');
    const err = await client.fetchX509Context({ signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadApiError);
    expect((err as WorkloadApiError).code).toBe('ERR_WORKLOAD_ABORTED');
    expect((err as WorkloadApiError).grpcStatus).toBe(status.CANCELLED);
    expect((err as WorkloadApiError).cause).toBe(reason);
  });

  it('aborting a fetch in flight rejects it and cancels its stream', async () => {
    server.setX509Context({ svids: [svid1] });
    server.holdStreams('FetchX509SVID', true);
    const controller = new AbortController();
    const pending = client.fetchX509Bundles({ signal: controller.signal }).catch((e: unknown) => e);
    const pendingSvid = client.fetchX509Context({ signal: controller.signal }).catch((e: unknown) => e);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 1);
    controller.abort();
    expect(((await pendingSvid) as WorkloadApiError).code).toBe('ERR_WORKLOAD_ABORTED');
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
    await pending; // FetchX509Bundles was answered or aborted; either way it settled
  });

  it('aborts a unary call (FetchJWTSVID) with the signal', async () => {
    const err = await client
      .fetchJwtSvid({ audience: 'db' }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((err as WorkloadApiError).code).toBe('ERR_WORKLOAD_ABORTED');
  });

  it('iterates X.509 contexts with for await, and breaking out closes the stream', async () => {
    server.setX509Context({ svids: [svid1] });
    const seen: string[] = [];
    for await (const context of client.watchX509Context()) {
      seen.push(serialOf(context));
      if (seen.length === 1) server.setX509Context({ svids: [svid2] });
      else break;
    }
    expect(seen).toEqual([svid1, svid2].map((s) => s.certificates[0].x509.serialNumber));
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('ends the loop when the signal aborts', async () => {
    server.setX509Context({ svids: [svid1] });
    const controller = new AbortController();
    let count = 0;
    for await (const context of client.watchX509Context({ signal: controller.signal })) {
      expect(context.svids).toHaveLength(1);
      count += 1;
      controller.abort();
    }
    expect(count).toBe(1);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('throws the fatal INVALID_ARGUMENT from the loop and reports recoverable errors to onError', async () => {
    server.setError('FetchJWTBundles', { code: status.INVALID_ARGUMENT, details: 'bad request' });
    const recoverable: unknown[] = [];
    const loop = async () => {
      for await (const bundles of client.watchJwtBundles({ onError: (e) => recoverable.push(e) })) {
        void bundles;
      }
    };
    await expect(loop()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('X509Source.create rejects when its signal aborts, leaving no stream open', async () => {
    server.holdStreams('FetchX509SVID', true);
    server.setX509Context({ svids: [svid1] });
    const controller = new AbortController();
    const creating = X509Source.create({ client, signal: controller.signal }).catch((e: unknown) => e);
    await waitUntil(() => server.openStreams('FetchX509SVID') === 1);
    controller.abort();
    expect(((await creating) as WorkloadApiError).code).toBe('ERR_WORKLOAD_ABORTED');
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('await using closes sources and clients when the scope ends', async () => {
    server.setX509Context({ svids: [svid1] });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    {
      await using source = await X509Source.create({ clientOptions: { address: server.address } });
      await using jwt = await JwtSource.create({ clientOptions: { address: server.address } });
      expect(source.getX509Svid().id.path).toBe('/web');
      expect(jwt.getJwtBundles().size).toBe(1);
      expect(server.openStreams('FetchX509SVID') + server.openStreams('FetchJWTBundles')).toBe(2);
    }
    await waitUntil(() => server.openStreams('FetchX509SVID') + server.openStreams('FetchJWTBundles') === 0);
    {
      await using scoped = new WorkloadApiClient({ address: server.address });
      expect((await scoped.fetchX509Svid()).id.path).toBe('/web');
    }
  });
});
