/**
 * The Delegated Identity API of a real agent (real server, join token, `unix` workload attestor): this test
 * process is the authorized delegate; a child process running as another uid is the workload it asks for by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  FetchJWTSVIDsResponse__Output,
  SubscribeToJWTBundlesResponse__Output,
  SubscribeToX509SVIDsResponse__Output,
} from '@lanyard/proto';
import { runAsPrefix } from '@lanyard/test-support';
import type { Agent } from '../../src/agent';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  type TestServer,
} from '../harness';
import { StreamReader } from '../workload-fixtures';
import { call, delegatedClient } from './admin-fixtures';

jest.setTimeout(60_000);

const WORKLOAD_UID = 4244;
let ts: TestServer;
let agent: Agent;
let dir: string;
let agentId: string;
let child: ChildProcess;
let client: ReturnType<typeof delegatedClient>;

function effectiveUid(pid: number): number | undefined {
  try {
    return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  const adminSocket = path.join(dir, 'private', 'admin.sock');
  const token = await createToken(ts.admin);
  agentId = `spiffe://${TD}/spire/agent/join_token/${token}`;
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/delegate`,
    selectors: [`unix:uid:${process.getuid!()}`],
  });
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/by-pid`,
    selectors: [`unix:uid:${WORKLOAD_UID}`],
  });
  const extra = `  admin_socket_path = "${adminSocket}"\n  authorized_delegates = ["spiffe://${TD}/delegate"]`;
  agent = await startAgent(agentConfig(ts, dir, token, { extra }), new LogCapture());
  const [cmd, ...args] = [...runAsPrefix({ uid: WORKLOAD_UID }), 'sleep', '120'];
  child = spawn(cmd, args, { stdio: 'ignore' });
  await eventually('the workload process', () =>
    effectiveUid(child.pid!) === WORKLOAD_UID ? true : undefined,
  );
  client = delegatedClient(adminSocket);
});

afterAll(async () => {
  client?.close();
  child?.kill();
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function roots(): readonly crypto.X509Certificate[] {
  return agent.cache.getBundle()!.x509Authorities;
}

test('by pid: the delegate gets the workload SVID (verified against the bundle) and new identities are pushed', async () => {
  const reader = new StreamReader<SubscribeToX509SVIDsResponse__Output>(
    client.SubscribeToX509SVIDs({ selectors: [], pid: child.pid! }),
  );
  const first = await reader.next(20_000);
  expect(first.x509_svids.map((s) => s.x509_svid!.id)).toEqual([{ trust_domain: TD, path: '/by-pid' }]);
  const chain = first.x509_svids[0].x509_svid!.cert_chain.map((der) => new crypto.X509Certificate(der));
  const leaf = chain[0];
  expect(leaf.subjectAltName).toBe(`URI:spiffe://${TD}/by-pid`);
  expect(roots().some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey))).toBe(true);
  const key = crypto.createPrivateKey({
    key: first.x509_svids[0].x509_svid_key,
    format: 'der',
    type: 'pkcs8',
  });
  expect(leaf.checkPrivateKey(key)).toBe(true);

  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/by-pid-second`,
    selectors: [`unix:uid:${WORKLOAD_UID}`],
  });
  let next = await reader.next(20_000);
  while (next.x509_svids.length < 2) next = await reader.next(20_000);
  expect(next.x509_svids.map((s) => s.x509_svid!.id!.path).sort()).toEqual(['/by-pid', '/by-pid-second']);
  reader.cancel();
});

test('by pid: FetchJWTSVIDs mints tokens that verify with the JWT bundle from SubscribeToJWTBundles', async () => {
  const res = await call<unknown, FetchJWTSVIDsResponse__Output>(
    (r, cb) => client.FetchJWTSVIDs(r as never, cb),
    { audience: ['spiffe://example.org/db'], selectors: [], pid: child.pid! },
  );
  const svid = res.svids.find((s) => s.id!.path === '/by-pid');
  expect(svid).toBeDefined();
  const bundles = new StreamReader<SubscribeToJWTBundlesResponse__Output>(client.SubscribeToJWTBundles({}));
  const jwks = JSON.parse(Buffer.from((await bundles.next(20_000)).bundles[`spiffe://${TD}`]).toString()) as {
    keys: Array<crypto.JsonWebKey & { kid: string }>;
  };
  bundles.cancel();
  const [headerB64, payloadB64, signature] = svid!.token.split('.');
  const header = JSON.parse(Buffer.from(headerB64, 'base64url').toString()) as { kid: string; alg: string };
  expect(['ES256', 'ES384', 'RS256']).toContain(header.alg);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  const valid = crypto.verify(
    header.alg === 'ES384' ? 'sha384' : 'sha256',
    Buffer.from(`${headerB64}.${payloadB64}`),
    { key: crypto.createPublicKey({ key: jwk!, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  expect(valid).toBe(true);
  const claims = JSON.parse(Buffer.from(payloadB64, 'base64url').toString()) as { sub: string; exp: number };
  expect(claims.sub).toBe(`spiffe://${TD}/by-pid`);
  expect(Number(svid!.expires_at)).toBe(claims.exp);
});
