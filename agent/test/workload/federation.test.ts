/**
 * Federation through a real server and agent: a federated bundle stored on the server (`other.org`) reaches the
 * workloads whose entries federate with it on every Workload API RPC, updates arrive on open streams, and
 * `@lanyard/spiffe` sources use it for mTLS and JWT validation across trust domains.
 */
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type {
  JWTBundlesResponse__Output,
  X509BundlesResponse__Output,
  X509SVIDResponse__Output,
} from '@lanyard/proto';
import { unary as adminUnary } from '@lanyard/base/grpc';
import type { ServerApiClients } from '@lanyard/server';
import {
  JwtSource,
  JwtSvid,
  TrustDomain,
  WorkloadApiClient,
  X509Bundle,
  X509Source,
  X509Svid,
  authorizeMemberOf,
  createSpiffeTlsServer,
  peerSpiffeId,
  spiffeMtlsClientOptions,
  staticTlsSource,
  type TlsSource,
} from '@lanyard/spiffe';
import { TestCa, type TestJwtKey } from '@lanyard/test-support';
import type { Agent } from '../../src/agent';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  type TestServer,
} from '../harness';
import { StreamReader, header, unary, workloadClient } from '../workload-fixtures';

jest.setTimeout(90_000);

const OTHER = 'other.org';
const otherTd = TrustDomain.parse(OTHER);
const ownTd = TrustDomain.parse(TD);
const uid = process.getuid!();

let ts: TestServer;
let agent: Agent;
let socketPath: string;
let raw: ReturnType<typeof workloadClient>;
let library: WorkloadApiClient;
const otherCa = TestCa.create({ trustDomain: OTHER });
const otherKey = otherCa.createJwtKey();

interface WireBundle {
  trust_domain: string;
  x509_authorities: Array<{ asn1: Buffer }>;
  jwt_authorities: Array<{ public_key: Buffer; key_id: string; expires_at: number }>;
}

/** The server-API form of a bundle with the given roots and JWT keys. */
function wireBundle(roots: readonly Buffer[], keys: readonly TestJwtKey[]): WireBundle {
  return {
    trust_domain: OTHER,
    x509_authorities: roots.map((asn1) => ({ asn1 })),
    jwt_authorities: keys.map((k) => ({
      key_id: k.kid,
      public_key: k.publicKey.export({ type: 'spki', format: 'der' }),
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    })),
  };
}

/** Runs a federated-bundle admin batch RPC and fails on a non-OK result. */
async function federatedBatch(
  method: 'BatchCreateFederatedBundle' | 'BatchUpdateFederatedBundle',
  admin: ServerApiClients,
  bundle: WireBundle,
): Promise<void> {
  const res = await adminUnary<{ results: Array<{ status: { code: number; message: string } | null }> }>(
    (opts, cb) => admin.bundle[method]({ bundle: [bundle] }, opts, cb),
  );
  if (res.results[0].status?.code !== 0) throw new Error(`${method}: ${res.results[0].status?.message}`);
}

/** Reads messages until one satisfies `done` (bounded by the reader's per-message timeout). */
async function nextMatching<T>(reader: StreamReader<T>, done: (m: T) => boolean, max = 20): Promise<T> {
  for (let i = 0; i < max; i++) {
    const message = await reader.next(20_000);
    if (done(message)) return message;
  }
  throw new Error(`no matching stream message in ${max} messages`);
}

beforeAll(async () => {
  ts = await startTestServer();
  await federatedBatch('BatchCreateFederatedBundle', ts.admin, wireBundle(otherCa.bundle(), [otherKey]));
  const dir = agentDir();
  socketPath = path.join(dir, 'public', 'api.sock');
  agent = await startAgent(agentConfig(ts, dir, await createToken(ts.admin)), new LogCapture('info'));
  await createEntry(ts.admin, {
    parentId: agent.identity.svid?.spiffeId ?? '',
    spiffeId: `spiffe://${TD}/fed/web`,
    selectors: [`unix:uid:${uid}`],
    federatesWith: [OTHER],
  });
  await eventually('the federated bundle in the agent', () => agent.cache.getFederatedBundle(OTHER));
  raw = workloadClient(socketPath);
  library = new WorkloadApiClient({ address: `unix://${socketPath}` });
  await eventually(
    'an identity for the test uid',
    async () => (await library.fetchX509Context().catch(() => undefined))?.svids[0],
  );
});

afterAll(async () => {
  raw?.close();
  await library?.close();
  await agent?.stop();
  await ts?.stop();
});

test('FetchX509SVID, FetchX509Bundles and FetchJWTBundles carry the federated bundle from the server', async () => {
  const svidReader = new StreamReader<X509SVIDResponse__Output>(raw.FetchX509SVID({}, header()));
  const svidMessage = await svidReader.next(20_000);
  svidReader.cancel();
  expect(Object.keys(svidMessage.federated_bundles)).toEqual([`spiffe://${OTHER}`]);
  expect(svidMessage.federated_bundles[`spiffe://${OTHER}`].equals(otherCa.bundleDer())).toBe(true);

  const x509Reader = new StreamReader<X509BundlesResponse__Output>(raw.FetchX509Bundles({}, header()));
  const x509Message = await x509Reader.next(20_000);
  x509Reader.cancel();
  expect(Object.keys(x509Message.bundles).sort()).toEqual([`spiffe://${TD}`, `spiffe://${OTHER}`]);
  const fed = X509Bundle.parse(otherTd, x509Message.bundles[`spiffe://${OTHER}`]);
  expect(fed.x509Authorities[0].raw.equals(otherCa.bundle()[0])).toBe(true);

  const jwtReader = new StreamReader<JWTBundlesResponse__Output>(raw.FetchJWTBundles({}, header()));
  const jwtMessage = await jwtReader.next(20_000);
  jwtReader.cancel();
  const jwks = JSON.parse(jwtMessage.bundles[`spiffe://${OTHER}`].toString('utf8')) as {
    keys: Array<{ kid: string }>;
  };
  expect(jwks.keys.map((k) => k.kid)).toEqual([otherKey.kid]);
  expect(Object.keys(jwtMessage.bundles).sort()).toEqual([`spiffe://${TD}`, `spiffe://${OTHER}`]);
});

test('ValidateJWTSVID accepts a token of the federated trust domain and refuses one of an unknown domain', async () => {
  const token = otherKey.signJwtSvid({ spiffeId: `spiffe://${OTHER}/api`, audience: ['web'] });
  const res = await unary<{ svid: string; audience: string }, { spiffe_id: string }>(
    raw.ValidateJWTSVID.bind(raw),
    { svid: token, audience: 'web' },
  );
  expect(res.spiffe_id).toBe(`spiffe://${OTHER}/api`);

  const stranger = TestCa.create({ trustDomain: 'stranger.org' }).createJwtKey();
  const foreign = stranger.signJwtSvid({ spiffeId: 'spiffe://stranger.org/api', audience: ['web'] });
  const err = await unary(raw.ValidateJWTSVID.bind(raw), { svid: foreign, audience: 'web' }).then(
    () => undefined,
    (e: grpc.ServiceError) => e,
  );
  expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err?.details).toContain('stranger.org');
});

test('X509Source and JwtSource trust the federated domain: mTLS both ways with authorizeMemberOf', async () => {
  const source = await X509Source.create({ client: library, timeoutMs: 20_000 });
  const jwtSource = await JwtSource.create({ client: library, timeoutMs: 20_000 });
  const servers: tls.Server[] = [];
  try {
    expect(source.getX509BundleForTrustDomain(otherTd).x509Authorities).toHaveLength(1);
    const token = otherKey.signJwtSvid({ spiffeId: `spiffe://${OTHER}/api`, audience: ['web'] });
    expect(JwtSvid.parseAndValidate(token, { bundles: jwtSource, audience: ['web'] }).id.toString()).toBe(
      `spiffe://${OTHER}/api`,
    );

    const issued = otherCa.issueX509Svid({ spiffeId: `spiffe://${OTHER}/api` });
    const otherSource: TlsSource = staticTlsSource(X509Svid.parse(issued.chainDer, issued.privateKeyDer), [
      X509Bundle.parse(otherTd, otherCa.bundleDer()),
      source.getX509BundleForTrustDomain(ownTd),
    ]);
    const start = async (server: tls.Server): Promise<number> => {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    };
    const hello = (socket: tls.TLSSocket) => socket.end(`hello ${peerSpiffeId(socket)}`);

    const otherServer = await start(
      createSpiffeTlsServer(otherSource, { authorizer: authorizeMemberOf(ownTd) }, hello),
    );
    expect(await exchange(otherServer, spiffeMtlsClientOptions(source, authorizeMemberOf(otherTd)))).toBe(
      `hello spiffe://${TD}/fed/web`,
    );

    const ownServer = await start(
      createSpiffeTlsServer(source, { authorizer: authorizeMemberOf(otherTd) }, hello),
    );
    expect(await exchange(ownServer, spiffeMtlsClientOptions(otherSource, authorizeMemberOf(ownTd)))).toBe(
      `hello spiffe://${OTHER}/api`,
    );
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await source.close();
    await jwtSource.close();
  }
});

test('a federated bundle update on the server reaches open streams as new messages, without reconnecting', async () => {
  const svidReader = new StreamReader<X509SVIDResponse__Output>(raw.FetchX509SVID({}, header()));
  const jwtReader = new StreamReader<JWTBundlesResponse__Output>(raw.FetchJWTBundles({}, header()));
  const source = await X509Source.create({ client: library, timeoutMs: 20_000 });
  try {
    await svidReader.next(20_000);
    await jwtReader.next(20_000);
    const newRoot = TestCa.create({ trustDomain: OTHER });
    const newKey = newRoot.createJwtKey();
    await federatedBatch(
      'BatchUpdateFederatedBundle',
      ts.admin,
      wireBundle([...otherCa.bundle(), ...newRoot.bundle()], [otherKey, newKey]),
    );
    const expected = Buffer.concat([otherCa.bundleDer(), newRoot.bundleDer()]);
    const svidMessage = await nextMatching(svidReader, (m) =>
      Boolean(m.federated_bundles[`spiffe://${OTHER}`]?.equals(expected)),
    );
    expect(svidMessage.svids[0].spiffe_id).toBe(`spiffe://${TD}/fed/web`);
    const jwtMessage = await nextMatching(jwtReader, (m) =>
      m.bundles[`spiffe://${OTHER}`]?.toString('utf8').includes(newKey.kid),
    );
    expect(JSON.parse(jwtMessage.bundles[`spiffe://${OTHER}`].toString('utf8')).keys).toHaveLength(2);
    await eventually('the source to see the new root', () =>
      source.getX509BundleForTrustDomain(otherTd).x509Authorities.length === 2 ? true : undefined,
    );
  } finally {
    svidReader.cancel();
    jwtReader.cancel();
    await source.close();
  }
});

/** One TLS client exchange: resolves what the server wrote, rejects on any error (bounded). */
function exchange(port: number, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('exchange timed out')), 10_000);
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (data) resolve(data);
      else reject(new Error('connection closed without data'));
    });
  });
}
