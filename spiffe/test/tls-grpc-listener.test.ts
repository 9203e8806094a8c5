import * as grpc from '@grpc/grpc-js';
import { loadHealthApi, type HealthClient, type HealthHandlers } from '@lanyard/proto';
import { TestCa } from '@lanyard/test-support';
import {
  authorizeId,
  authorizeMemberOf,
  listenSpiffeGrpc,
  spiffeGrpcChannelCredentials,
  type SpiffeGrpcListener,
  type TlsSource,
} from '../src';
import { fixedSource } from './tls-helpers';
import { Inbox } from './workloadapi-helpers';

describe('listenSpiffeGrpc', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const serverSource = fixedSource(ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server' }), ca);
  const viaIntermediate = ca.createIntermediate().issueX509Svid({ spiffeId: 'spiffe://example.org/agent' });
  const Health = loadHealthApi().grpc.health.v1.Health;
  let server: grpc.Server;
  let listener: SpiffeGrpcListener;
  const clients: HealthClient[] = [];
  const errors = new Inbox<Error>();

  beforeEach(async () => {
    server = new grpc.Server();
    const handlers: HealthHandlers = {
      Check: (call, callback) => {
        const id = listener.callerId(call);
        callback(null, { status: id?.path === '/agent' ? 'SERVING' : 'NOT_SERVING' });
      },
      Watch: (call) => call.end(),
      List: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    };
    server.addService(Health.service, handlers);
    listener = await listenSpiffeGrpc(server, serverSource, {
      authorizer: authorizeId('spiffe://example.org/agent'),
      onError: errors.push,
    });
  });

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await listener.close();
    server.forceShutdown();
  });

  function check(source: TlsSource): Promise<string> {
    const credentials = spiffeGrpcChannelCredentials(source, authorizeId('spiffe://example.org/server'));
    const client = new Health(`127.0.0.1:${listener.port}`, credentials);
    clients.push(client);
    return new Promise((resolve, reject) =>
      client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  }

  it('verifies full client chains (intermediates included) and exposes the caller ID to handlers', async () => {
    await expect(check(fixedSource(viaIntermediate, ca))).resolves.toBe('SERVING');
  });

  it('refuses unauthorized clients at the connection, before any handler runs', async () => {
    const other = fixedSource(ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' }), ca);
    const err = (await check(other).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect((await errors.next()).message).toMatch(/"spiffe:\/\/example.org\/web" is not authorized/);
  });

  it('refuses a forged chain from another trust domain root', async () => {
    const fed = TestCa.create({ trustDomain: 'fed.test' });
    const both = fixedSource(ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server' }), ca, fed);
    const forgingListener = await listenSpiffeGrpc(server, both, {
      authorizer: authorizeMemberOf('example.org'),
      onError: errors.push,
    });
    try {
      const forged = fixedSource(fed.issueX509Svid({ spiffeId: 'spiffe://example.org/agent' }), ca);
      const credentials = spiffeGrpcChannelCredentials(forged, authorizeMemberOf('example.org'));
      const client = new Health(`127.0.0.1:${forgingListener.port}`, credentials);
      clients.push(client);
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (e) => resolve(e)),
      );
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
      expect((await errors.next()).message).toBe(
        'x509 svid "spiffe://example.org/agent": no chain to a root of trust domain "example.org"',
      );
    } finally {
      await forgingListener.close();
    }
  });
});
