import * as grpc from '@grpc/grpc-js';
import { loadHealthApi, type HealthCheckResponse__Output, type HealthClient } from '@lanyard/proto';
import {
  HealthChecker,
  HealthStatusTable,
  addHealthService,
  healthChecksConfig,
  startHealthListener,
  type HealthListener,
} from '@lanyard/common';

describe('HTTP health listener', () => {
  let listener: HealthListener;
  let ready = false;
  const checker = new HealthChecker();
  checker.register('ca', () => ({ live: true, ready, details: { slot: 'A' } }));
  checker.register('datastore', () => ({ live: true, ready: true }));

  beforeAll(async () => {
    const config = {
      ...healthChecksConfig({ bind_address: '127.0.0.1', bind_port: 0, ready_path: '/readyz' }),
      listenerEnabled: true,
    };
    listener = await startHealthListener(config, checker);
  });
  afterAll(() => listener.close());

  const get = async (path: string): Promise<[number, unknown]> => {
    const res = await fetch(`http://127.0.0.1:${listener.address.port}${path}`);
    const text = await res.text();
    return [res.status, res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text];
  };

  it("uses SPIRE's defaults for an empty block", () => {
    expect(healthChecksConfig()).toEqual({
      listenerEnabled: false,
      bindAddress: 'localhost',
      bindPort: 80,
      livePath: '/live',
      readyPath: '/ready',
    });
  });

  it('answers 200 on the live path with per-subsystem details', async () => {
    expect(await get('/live')).toEqual([200, { ca: { live: true, slot: 'A' }, datastore: { live: true } }]);
  });

  it('answers 500 on the ready path until every subsystem is ready', async () => {
    expect((await get('/readyz'))[0]).toBe(500);
    ready = true;
    expect(await get('/readyz')).toEqual([
      200,
      { ca: { ready: true, slot: 'A' }, datastore: { ready: true } },
    ]);
  });

  it('treats a throwing check as unhealthy and unknown paths as 404', async () => {
    checker.register('broken', () => {
      throw new Error('db down');
    });
    try {
      expect(await get('/live')).toEqual([
        500,
        expect.objectContaining({ broken: { live: false, error: 'db down' } }),
      ]);
    } finally {
      checker.unregister('broken');
    }
    expect((await get('/ready'))[0]).toBe(404);
  });
});

describe('grpc.health.v1.Health', () => {
  const table = new HealthStatusTable({ '': 'SERVING', 'spire.api.server.entry.v1.Entry': 'NOT_SERVING' });
  const server = new grpc.Server();
  let client: HealthClient;

  beforeAll(async () => {
    addHealthService(server, table);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    client = new (loadHealthApi().grpc.health.v1.Health)(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const check = (service: string): Promise<HealthCheckResponse__Output> =>
    new Promise((resolve, reject) =>
      client.Check({ service }, (err, res) => (err || !res ? reject(err) : resolve(res))),
    );

  it('Check reports the overall and per-service status', async () => {
    expect((await check('')).status).toBe('SERVING');
    expect((await check('spire.api.server.entry.v1.Entry')).status).toBe('NOT_SERVING');
  });

  it('Check answers NOT_FOUND for an unknown service', async () => {
    await expect(check('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('List returns every status', async () => {
    const res = await new Promise<unknown>((resolve, reject) =>
      client.List({}, (err, r) => (err ? reject(err) : resolve(r))),
    );
    expect(res).toEqual({
      statuses: { '': { status: 'SERVING' }, 'spire.api.server.entry.v1.Entry': { status: 'NOT_SERVING' } },
    });
  });

  it('Watch streams the current status and every change', async () => {
    const call = client.Watch({ service: 'agent' });
    const ended = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      call.on('data', (msg: HealthCheckResponse__Output) => {
        seen.push(msg.status);
        if (seen.length === 1) table.set('agent', 'SERVING');
        if (seen.length === 2) table.set('agent', 'NOT_SERVING');
        if (seen.length === 3) resolve();
      });
    });
    await done;
    call.cancel();
    expect((await ended).code).toBe(grpc.status.CANCELLED);
    expect(seen).toEqual(['SERVICE_UNKNOWN', 'SERVING', 'NOT_SERVING']);
    expect(table.listenerCount('change')).toBeLessThanOrEqual(1);
  });
});
