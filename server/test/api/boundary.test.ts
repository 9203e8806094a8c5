import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { loadHealthApi } from '@lanyard/proto';
import { NotFoundError, PermissionDeniedError } from '@lanyard/base';
import { RpcBoundary, type MethodSpec } from '../../src/api/boundary';
import type { RpcMetrics } from '../../src/api/metrics';
import { rpc, rpcError } from './harness';

type Logged = { level: string; message: string; fields: Record<string, unknown> };

/** Keeps log lines in memory so the test can assert on them. */
class RecordingLogger implements PluginLogger {
  readonly lines: Logged[] = [];
  debug = (message: string, fields: Record<string, unknown> = {}) =>
    this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields: Record<string, unknown> = {}) =>
    this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields: Record<string, unknown> = {}) =>
    this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields: Record<string, unknown> = {}) =>
    this.lines.push({ level: 'error', message, fields });
}

describe('RpcBoundary over a real Unix socket', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyb-'));
  const server = new grpc.Server();
  const logger = new RecordingLogger();
  const recorded: string[] = [];
  const metrics: RpcMetrics = { record: (_svc, method, code) => recorded.push(`${method}:${code}`) };
  let client: InstanceType<ReturnType<typeof loadHealthApi>['grpc']['health']['v1']['Health']>;

  beforeAll(async () => {
    const boundary = new RpcBoundary(
      async (_call, spec) => {
        if (spec.method === 'Watch') throw new PermissionDeniedError('authorization denied for method Watch');
        return { addr: 'unix', local: true, admin: true, spiffeId: 'spiffe://example.org/caller' };
      },
      logger,
      metrics,
    );
    const spec: MethodSpec = {
      service: 'health',
      fullService: 'grpc.health.v1.Health',
      method: 'Check',
      roles: ['any'],
    };
    server.addService(loadHealthApi().grpc.health.v1.Health.service, {
      Check: boundary.unary(spec, async (req: { service: string }) => {
        if (req.service === 'boom') throw new TypeError('secret internals');
        if (req.service === 'missing') throw new NotFoundError('thing not found');
        return { status: 'SERVING' };
      }),
      Watch: boundary.serverStream({ ...spec, method: 'Watch' }, async () => undefined),
    });
    const socket = path.join(dir, 'b.sock');
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    client = new (loadHealthApi().grpc.health.v1.Health)(`unix:${socket}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps LanyardErrors to their status and anything else to INTERNAL "internal error", logging once', async () => {
    expect(await rpc<{ status: string }>((cb) => client.Check({ service: '' }, cb))).toEqual({
      status: 'SERVING',
    });
    expect(await rpcError(rpc((cb) => client.Check({ service: 'missing' }, cb)))).toEqual({
      code: grpc.status.NOT_FOUND,
      details: 'thing not found',
    });
    expect(await rpcError(rpc((cb) => client.Check({ service: 'boom' }, cb)))).toEqual({
      code: grpc.status.INTERNAL,
      details: 'internal error',
    });
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'Thing not found',
        fields: expect.objectContaining({
          method: 'Check',
          caller_id: 'spiffe://example.org/caller',
          code: 'NotFound',
        }),
      },
      {
        level: 'error',
        message: 'Internal error',
        fields: expect.objectContaining({
          method: 'Check',
          service: 'grpc.health.v1.Health',
          error: 'secret internals',
        }),
      },
    ]);
    expect(recorded).toEqual(['Check:OK', 'Check:NotFound', 'Check:Internal']);
  });

  it('ends streams with the authorization error', async () => {
    const err = await rpcError(
      new Promise((resolve, reject) => {
        const call = client.Watch({ service: '' });
        call.on('data', () => undefined);
        call.on('error', reject);
        call.on('end', resolve);
      }),
    );
    expect(err).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'authorization denied for method Watch',
    });
  });
});
