/**
 * SPIRE's default authorization policy, checked from the table itself: every RPC of every server API proto is
 * called by every kind of caller over real gRPC (the admin socket and mTLS TCP) against a real server, and
 * the answer must be PermissionDenied exactly where the table denies, "not served" where the table has no
 * row or keeps the service to the admin socket, and anything else ("got past authorization") otherwise.
 */
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { createLogger, logLevelControl } from '@lanyard/common';
import { loadEntryWatchApi, loadHealthApi, loadSpireServerApis } from '@lanyard/proto';
import { TestCa } from '@lanyard/test-support';
import { AUTHORIZATION_POLICY } from '../../src/api/policy';
import type { Role } from '../../src/auth/caller';
import {
  bundlePem,
  mintSvid,
  newAgent,
  rpc,
  startTestServer,
  tlsCredentials,
  wireEntry,
  type TestServer,
} from './harness';

type CallerKind = 'local' | 'admin' | 'agent' | 'downstream' | 'foreign' | 'anonymous';
type Outcome = 'denied' | 'past' | 'not served';
type MethodDef = grpc.MethodDefinition<unknown, unknown>;

const KINDS: readonly CallerKind[] = ['local', 'admin', 'agent', 'downstream', 'foreign', 'anonymous'];

/** Every service definition in the server API protos (plus gRPC health), by fully qualified name. */
function protoServices(): Map<string, grpc.ServiceDefinition> {
  const found = new Map<string, grpc.ServiceDefinition>();
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node === 'function' && 'service' in node) {
      found.set(prefix, (node as { service: grpc.ServiceDefinition }).service);
      return;
    }
    if (typeof node !== 'object' || node === null || 'format' in node) return;
    for (const [key, child] of Object.entries(node)) walk(child, prefix === '' ? key : `${prefix}.${key}`);
  };
  walk(loadSpireServerApis().spire.api.server, 'spire.api.server');
  walk(loadHealthApi().grpc.health.v1, 'grpc.health.v1');
  walk(loadEntryWatchApi().lanyard.agent.v1, 'lanyard.agent.v1');
  return found;
}

/** What the table says a caller kind gets from `roles` on a service served on `listeners`. */
function expected(kind: CallerKind, roles: readonly Role[] | undefined, tcp: boolean): Outcome {
  if (roles === undefined || (kind !== 'local' && !tcp)) return 'not served';
  if (roles.includes('any') || roles.includes(kind as Role)) return 'past';
  return 'denied';
}

/** Calls `def` once with an empty request and classifies the answer. */
function probe(client: grpc.Client, def: MethodDef, method: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const classify = (err: grpc.ServiceError | null): void => {
      if (err === null) resolve('past');
      else if (
        err.code === grpc.status.PERMISSION_DENIED &&
        err.details === `authorization denied for method ${method}`
      )
        resolve('denied');
      else if (err.code === grpc.status.UNIMPLEMENTED && err.details.includes('does not implement'))
        resolve('not served');
      else resolve('past');
    };
    const options = { deadline: Date.now() + 30_000 };
    const ser = def.requestSerialize;
    const de = def.responseDeserialize;
    if (!def.requestStream && !def.responseStream) {
      client.makeUnaryRequest(def.path, ser, de, {}, new grpc.Metadata(), options, classify);
      return;
    }
    const md = new grpc.Metadata();
    const duplex = def.requestStream
      ? client.makeBidiStreamRequest(def.path, ser, de, md, options)
      : undefined;
    const call = duplex ?? client.makeServerStreamRequest(def.path, ser, de, {}, md, options);
    call.on('data', () => {
      resolve('past');
      call.cancel();
    });
    call.on('error', (err: grpc.ServiceError) => classify(err.code === grpc.status.CANCELLED ? null : err));
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve('past');
    });
    duplex?.write({});
    duplex?.end();
  });
}

describe('authorization table (SPIRE default policy) over real gRPC', () => {
  let ts: TestServer;
  const clients = new Map<CallerKind, grpc.Client>();
  const services = protoServices();

  beforeAll(async () => {
    const logger = createLogger({ level: 'WARN', stream: new PassThrough().resume() });
    ts = await startTestServer({
      adminIds: [`spiffe://example.org/ops/admin`],
      logger,
      logLevel: logLevelControl(logger),
    });
    const roots = await bundlePem(ts);
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry(
        { entries: [{ ...wireEntry('/ops/downstream', '/spire/server'), downstream: true }] },
        cb,
      ),
    );
    const tcp = (key?: Parameters<typeof tlsCredentials>[1], chain?: string) =>
      new grpc.Client(`127.0.0.1:${ts.server.port}`, tlsCredentials(roots, key, chain), {
        'grpc.ssl_target_name_override': 'spire-server',
      });
    const admin = await mintSvid(ts, '/ops/admin');
    const downstream = await mintSvid(ts, '/ops/downstream');
    const { agent, clients: agentClients } = await newAgent(ts);
    agentClients.close();
    const foreign = TestCa.create({ trustDomain: 'other.org' }).issueX509Svid({
      spiffeId: 'spiffe://other.org/ops/admin',
    });
    clients.set('local', new grpc.Client(`unix:${ts.socketPath}`, grpc.credentials.createInsecure()));
    clients.set('admin', tcp(admin.privateKey, admin.chainPem));
    clients.set('agent', tcp(agent.key.privateKey, agent.chainPem));
    clients.set('downstream', tcp(downstream.privateKey, downstream.chainPem));
    clients.set('foreign', tcp(foreign.privateKey, foreign.chainPem));
    clients.set('anonymous', tcp());
  });
  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await ts.stop();
  });

  it('has a row for every method of every served service and no row for a method that does not exist', () => {
    const protoMethods = [...services].flatMap(([name, def]) => Object.keys(def).map((m) => `${name}/${m}`));
    const tableMethods = Object.entries(AUTHORIZATION_POLICY).flatMap(([name, policy]) =>
      Object.keys(policy.methods).map((m) => `${name}/${m}`),
    );
    const servedServices = new Set(Object.keys(AUTHORIZATION_POLICY));
    expect(tableMethods.filter((m) => !protoMethods.includes(m))).toEqual([]);
    expect(
      protoMethods.filter((m) => servedServices.has(m.split('/')[0]) && !tableMethods.includes(m)),
    ).toEqual([]);
  });

  it("keeps the rows issue #13 found wider than SPIRE at SPIRE's values", () => {
    const rolesOf = (service: string, method: string) => AUTHORIZATION_POLICY[service].methods[method];
    expect(rolesOf('spire.api.server.bundle.v1.Bundle', 'PublishJWTAuthority')).toEqual(['downstream']);
    expect(rolesOf('spire.api.server.bundle.v1.Bundle', 'GetFederatedBundle')).toEqual([
      'local',
      'admin',
      'agent',
    ]);
    expect(rolesOf('spire.api.server.debug.v1.Debug', 'GetInfo')).toEqual(['local']);
    expect(AUTHORIZATION_POLICY['grpc.health.v1.Health']).toEqual({
      listeners: 'uds',
      methods: { Check: ['local'], List: ['local'], Watch: ['local'] },
    });
  });

  const rows = [...protoServices()].flatMap(([name, def]) =>
    Object.entries(def).map(([method, methodDef]) => ({ name, method, methodDef: methodDef as MethodDef })),
  );
  it.each(rows.map((r) => [`${r.name}/${r.method}`, r] as const))('%s', async (_path, row) => {
    const policy = AUTHORIZATION_POLICY[row.name];
    const roles = policy?.methods[row.method];
    const tcp = policy?.listeners === 'tcp+uds';
    const want: Record<string, Outcome> = {};
    const got: Record<string, Outcome> = {};
    for (const kind of KINDS) {
      want[kind] = expected(kind, roles, tcp);
      got[kind] = await probe(clients.get(kind)!, row.methodDef, row.method);
    }
    expect(got).toEqual(want);
  });
});
