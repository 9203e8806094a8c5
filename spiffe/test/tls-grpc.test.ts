import * as grpc from '@grpc/grpc-js';
import { loadHealthApi, type HealthClient, type HealthHandlers } from '@lanyard/proto';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import {
  X509Source,
  authorizeGrpcCall,
  authorizeId,
  authorizeIf,
  authorizeMemberOf,
  spiffeGrpcChannelCredentials,
  spiffeGrpcServerCredentials,
  type Authorizer,
  type SpiffeId,
  type TlsSource,
} from '../src';
import { LanyardError } from '@lanyard/base';
import { fixedSource } from './tls-helpers';
import { FAST_BACKOFF, Inbox } from './workloadapi-helpers';

describe('grpc-js credentials from a SPIFFE source', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const serverSvid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server' });
  const clientSvid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/client' });
  const clientSource = fixedSource(clientSvid, ca);
  const Health = loadHealthApi().grpc.health.v1.Health;
  let server: grpc.Server | undefined;
  const clients: HealthClient[] = [];

  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    server?.forceShutdown();
    server = undefined;
  });

  async function startServer(source: TlsSource, authorizer: Authorizer): Promise<number> {
    server = new grpc.Server();
    const handlers: HealthHandlers = {
      Check: (call, callback) => {
        try {
          const id = authorizeGrpcCall(call, source, authorizer);
          callback(null, { status: id.path === '/client' ? 'SERVING' : 'NOT_SERVING' });
        } catch (err) {
          const e = err as LanyardError;
          callback({ code: e.grpcStatus, details: e.message });
        }
      },
      Watch: (call) => call.end(),
      List: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    };
    server.addService(Health.service, handlers);
    return new Promise((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', spiffeGrpcServerCredentials(source), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  function check(port: number, source: TlsSource, authorizer: Authorizer): Promise<string> {
    const client = new Health(`127.0.0.1:${port}`, spiffeGrpcChannelCredentials(source, authorizer));
    clients.push(client);
    return new Promise((resolve, reject) =>
      client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  }

  it('serves mTLS calls authorized by SPIFFE ID on both sides', async () => {
    const port = await startServer(fixedSource(serverSvid, ca), authorizeId('spiffe://example.org/client'));
    await expect(check(port, clientSource, authorizeId('spiffe://example.org/server'))).resolves.toBe(
      'SERVING',
    );
  });

  it('answers PERMISSION_DENIED to a client the server does not authorize', async () => {
    const port = await startServer(fixedSource(serverSvid, ca), authorizeId('spiffe://example.org/admin'));
    const err = (await check(port, clientSource, authorizeMemberOf('example.org')).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('fails the call when the server ID is not authorized by the client', async () => {
    const port = await startServer(fixedSource(serverSvid, ca), authorizeMemberOf('example.org'));
    const err = (await check(port, clientSource, authorizeId('spiffe://example.org/db')).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('refuses a client SVID issued by an intermediate (grpc-js exposes only the leaf)', async () => {
    const port = await startServer(fixedSource(serverSvid, ca), authorizeMemberOf('example.org'));
    const viaIntermediate = ca
      .createIntermediate()
      .issueX509Svid({ spiffeId: 'spiffe://example.org/client' });
    const source = fixedSource(viaIntermediate, ca);
    const err = (await check(port, source, authorizeMemberOf('example.org')).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('presents the rotated server SVID to new channels without rebinding the server', async () => {
    const api = await WorkloadApiTestServer.start();
    api.setX509Context({ svids: [serverSvid] });
    const source = await X509Source.create({
      clientOptions: { address: api.address, backoff: FAST_BACKOFF },
    });
    try {
      const port = await startServer(source, authorizeMemberOf('example.org'));
      const seen: SpiffeId[] = [];
      const recording = authorizeIf((id) => seen.push(id) > 0);
      await check(port, clientSource, recording);
      const updated = new Inbox<void>();
      source.onUpdate(() => updated.push(undefined));
      api.setX509Context({ svids: [ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server-v2' })] });
      await updated.next();
      await check(port, clientSource, recording);
      expect(seen.map(String)).toEqual(['spiffe://example.org/server', 'spiffe://example.org/server-v2']);
    } finally {
      server?.forceShutdown();
      await source.close();
      await api.close();
    }
  });
});
