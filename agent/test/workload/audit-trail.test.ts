/**
 * The agent's identity trail through a real server and agent: which workload (pid, uid, gid, binary path,
 * selectors) received which SPIFFE ID with which serial or JWT `jti`, and which calls were denied and why.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { JWTSVIDResponse__Output, X509SVIDResponse__Output } from '@lanyard/proto';
import type { TrailEvent } from '@lanyard/common';
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

const uid = process.getuid!();
const gid = process.getgid!();
let ts: TestServer;
let agent: Agent;
let dir: string;
let trailPath: string;
let client: ReturnType<typeof workloadClient>;

async function trail(): Promise<TrailEvent[]> {
  await agent.trail?.flush();
  return fs
    .readFileSync(trailPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TrailEvent);
}

beforeAll(async () => {
  ts = await startTestServer({ jwtCloudAudiences: ['sts.amazonaws.com'] });
  dir = agentDir();
  trailPath = path.join(dir, 'trail.log');
  const extra = `audit_trail {\n  path = "${trailPath}"\n  max_size = "1MB"\n  max_files = 2\n}`;
  agent = await startAgent(
    agentConfig(ts, dir, await createToken(ts.admin), { extra }),
    new LogCapture('info'),
  );
  await createEntry(ts.admin, {
    parentId: agent.identity.svid?.spiffeId ?? '',
    spiffeId: `spiffe://${TD}/pay/api`,
    selectors: [`unix:uid:${uid}`],
  });
  await eventually(
    'the entry in the agent',
    () => agent.cache.match([{ type: 'unix', value: `uid:${uid}` }]).entries[0],
  );
  client = workloadClient(path.join(dir, 'public', 'api.sock'));
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  await ts?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an X.509-SVID sent to a workload is recorded with its serial and the caller', async () => {
  const reader = new StreamReader<X509SVIDResponse__Output>(client.FetchX509SVID({}, header()));
  const message = await reader.next(20_000);
  reader.cancel();
  const leaf = new X509Certificate(message.svids[0].x509_svid);
  const serial = BigInt(`0x${leaf.serialNumber}`).toString(10);
  const events = await trail();
  const sent = events.filter((e) => e.event === 'workload_x509_svid' && e.serial === serial);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({
    spiffe_id: `spiffe://${TD}/pay/api`,
    pid: process.pid,
    uid,
    gid,
    binary_path: fs.realpathSync(process.execPath),
    expires_at: Math.floor(Date.parse(leaf.validTo) / 1000),
  });
  expect(sent[0].selectors).toEqual(expect.arrayContaining([`unix:uid:${uid}`, `unix:gid:${gid}`]));
  expect(JSON.stringify(events)).not.toContain(message.svids[0].x509_svid_key.toString('base64'));
});

test('a JWT-SVID for a cloud audience is recorded with its jti; the token itself is not', async () => {
  const res = await unary<object, JWTSVIDResponse__Output>(client.FetchJWTSVID.bind(client), {
    audience: ['sts.amazonaws.com'],
    spiffe_id: '',
  });
  const token = res.svids[0].svid;
  const jti = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti?: string }).jti;
  expect(jti).toEqual(expect.any(String));
  const events = await trail();
  expect(events.filter((e) => e.event === 'workload_jwt_svid')).toEqual([
    expect.objectContaining({
      spiffe_id: `spiffe://${TD}/pay/api`,
      audience: ['sts.amazonaws.com'],
      jti,
      pid: process.pid,
      uid,
    }),
  ]);
  expect(fs.readFileSync(trailPath, 'utf8')).not.toContain(token);
});

test('denied calls are recorded with the method and why', async () => {
  const notMine = unary<object, JWTSVIDResponse__Output>(client.FetchJWTSVID.bind(client), {
    audience: ['db'],
    spiffe_id: `spiffe://${TD}/admin`,
  });
  await expect(notMine).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  const noHeader = new StreamReader<X509SVIDResponse__Output>(client.FetchX509SVID({}, header(null)));
  expect((await noHeader.ended).code).toBe(grpc.status.INVALID_ARGUMENT);
  const denied = (await trail()).filter((e) => e.event === 'workload_denied');
  expect(denied).toEqual([
    expect.objectContaining({
      method: 'FetchJWTSVID',
      status_code: grpc.status.PERMISSION_DENIED,
      reason: `no identity issued for "spiffe://${TD}/admin"`,
      pid: process.pid,
      uid,
    }),
    expect.objectContaining({
      method: 'FetchX509SVID',
      status_code: grpc.status.INVALID_ARGUMENT,
      reason: 'security header missing from request',
      pid: process.pid,
    }),
  ]);
});
