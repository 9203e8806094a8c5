import * as grpc from '@grpc/grpc-js';
import { addHealthService, HealthStatusTable } from '@lanyard/common';
import { loadHealthApi } from '@lanyard/proto';
import { InvalidArgumentError } from '@lanyard/base';
import { serverTarget } from '../../src/client/server-target';

describe('serverTarget', () => {
  it.each([
    ['spire-server.example.org', 8081, 'spire-server.example.org:8081'],
    ['127.0.0.1', 8081, '127.0.0.1:8081'],
    ['::1', 8081, '[::1]:8081'],
    ['127.0.0.1,127.0.0.2', 8081, 'ipv4:127.0.0.1:8081,127.0.0.2:8081'],
    [' 10.0.0.1 , 10.0.0.2 ', 443, 'ipv4:10.0.0.1:443,10.0.0.2:443'],
    ['::1,fd00::2', 8081, 'ipv6:[::1]:8081,[fd00::2]:8081'],
  ])('%s port %d → %s', (address, port, target) => {
    expect(serverTarget(address, port)).toBe(target);
  });

  it.each(['a.example,b.example', '127.0.0.1,::1', '127.0.0.1,', '127.0.0.1,,127.0.0.2'])(
    'rejects the list %j with InvalidArgument',
    (address) => {
      expect(() => serverTarget(address, 8081)).toThrow(InvalidArgumentError);
    },
  );
});

describe('an address list fails over at the transport', () => {
  let server: grpc.Server;
  let port: number;

  beforeAll(async () => {
    // Only the second address of the list (127.0.0.2, also loopback) has a server listening.
    server = new grpc.Server();
    addHealthService(server, new HealthStatusTable());
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.2:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
  });
  afterAll(() => server.forceShutdown());

  it('reaches the server behind the second address when the first refuses connections', async () => {
    const Health = loadHealthApi().grpc.health.v1.Health;
    const client = new Health(serverTarget('127.0.0.1,127.0.0.2', port), grpc.credentials.createInsecure());
    try {
      const response = await new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service: '' }, { deadline: Date.now() + 10_000 }, (err, res) =>
          err || !res ? reject(err) : resolve(res as { status: string }),
        ),
      );
      expect(response.status).toBe('SERVING');
    } finally {
      client.close();
    }
  });
});
