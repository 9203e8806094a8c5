/**
 * Server high availability on PostgreSQL: two real lanyard-server processes share one database (a fresh schema
 * per run) and one `UpstreamAuthority "disk"` root made with openssl, each with its own intermediate CA. An entry
 * created on server A is visible through server B and served by an agent attached to B; SVIDs minted by either
 * server verify against the one bundle. The agent takes a single server address, so fail-over is shown the way a
 * load balancer or VIP does it: a third replica takes over B's address and the agent carries on through it.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCertificates } from '@lanyard/spiffe';
import {
  AgentUnderTest,
  ServerUnderTest,
  createPostgresSchema,
  diskUpstreamAuthority,
  fetchX509As,
  generateUpstreamRoot,
  makeE2eDir,
  opensslVerify,
  schemaTables,
  waitForSvid,
  type PostgresSchema,
  type UpstreamRoot,
} from '@lanyard/e2e';

jest.setTimeout(180_000);

const TD = 'example.org';
const NODE_ID = `spiffe://${TD}/nodes/ha`;
const WORKLOAD_ID = `spiffe://${TD}/ha/frontend`;
const FAILOVER_ID = `spiffe://${TD}/ha/after-failover`;
const UID = 1001;
const FAILOVER_UID = 1002;

let dir: string;
let schema: PostgresSchema | undefined;
let root: UpstreamRoot;
let serverA: ServerUnderTest;
let serverB: ServerUnderTest;
let serverC: ServerUnderTest | undefined;
let agent: AgentUnderTest | undefined;
let workloadEntryId: string;

function startReplica(name: string, port?: number): Promise<ServerUnderTest> {
  return ServerUnderTest.start({
    dir: path.join(dir, name),
    trustDomain: TD,
    postgresUrl: schema!.url,
    extraPlugins: diskUpstreamAuthority(root),
    port,
  });
}

/** Certificates of a PEM file, in order. */
function pemCerts(file: string): X509Certificate[] {
  return parseCertificates(fs.readFileSync(file, 'utf8'), file);
}

/** `x509 mint -write` on a server into `<dir>/mint-<label>`; returns the chain (leaf first) file. */
async function mint(server: ServerUnderTest, label: string): Promise<string> {
  const out = path.join(dir, `mint-${label}`);
  fs.mkdirSync(out);
  await server.cliOk(['x509', 'mint', '-spiffeID', `spiffe://${TD}/minted/${label}`, '-write', out]);
  return path.join(out, 'svid.pem');
}

/** `api fetch x509 -write` as `uid` on the agent; returns the chain (leaf first) file. */
async function fetchChain(uid: number): Promise<string> {
  const out = path.join(dir, `fetched-${uid}`);
  fs.mkdirSync(out);
  fs.chownSync(out, uid, uid);
  const res = await agent!.cli(['api', 'fetch', 'x509', '-write', out], { uid });
  if (res.code !== 0) throw new Error(`api fetch x509 -write exited ${res.code}: ${res.stderr}`);
  return path.join(out, 'svid.0.pem');
}

beforeAll(async () => {
  dir = makeE2eDir('lanyard-e2e-ha-');
  schema = await createPostgresSchema('lanyard_ha');
  root = await generateUpstreamRoot(dir);
});

afterAll(async () => {
  await agent?.stop();
  for (const server of [serverC, serverB, serverA]) await server?.stop();
  await schema?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. two servers start together on one empty PostgreSQL schema under one upstream root', async () => {
  [serverA, serverB] = await Promise.all([startReplica('server-a'), startReplica('server-b')]);
  expect(await schemaTables(schema!.name)).toContain('registered_entries');
  const rootCert = new X509Certificate(fs.readFileSync(root.certPath));
  for (const server of [serverA, serverB]) {
    const bundle = pemCerts(await server.writeBundle());
    expect(bundle.map((c) => c.fingerprint256)).toEqual([rootCert.fingerprint256]);
  }
});

test('2. a join token and entries created on A are visible through B', async () => {
  const token = await serverA.joinToken(NODE_ID);
  workloadEntryId = await serverA.createEntry([
    '-parentID',
    NODE_ID,
    '-spiffeID',
    WORKLOAD_ID,
    '-selector',
    `unix:uid:${UID}`,
  ]);
  const shown = await serverB.cliOk(['entry', 'show', '-spiffeID', WORKLOAD_ID]);
  expect(shown).toMatch(new RegExp(`Entry ID\\s*:\\s*${workloadEntryId}`));
  expect(shown).toContain(`unix:uid:${UID}`);

  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: serverB.port,
    trustBundlePath: root.certPath,
    trustDomain: TD,
    joinToken: token,
    syncInterval: '1s',
  });
  expect(agent.log).toContain('Node attestation was successful');
});

test('3. the agent attached to B serves the entry created on A, signed by B', async () => {
  expect(await waitForSvid(agent!, UID)).toBe(WORKLOAD_ID);
  const chainPath = await fetchChain(UID);
  expect(await opensslVerify(root.certPath, chainPath)).toContain(': OK');
  const intermediateOfB = pemCerts(await mint(serverB, 'b-check'))[1];
  expect(pemCerts(chainPath)[1].fingerprint256).toBe(intermediateOfB.fingerprint256);
});

test('4. SVIDs minted by A and B carry different intermediates and verify with the one bundle', async () => {
  const bundle = await serverB.writeBundle(path.join(dir, 'bundle-from-b.pem'));
  const chainA = await mint(serverA, 'a');
  const chainB = await mint(serverB, 'b');
  for (const chain of [chainA, chainB]) {
    expect(await opensslVerify(bundle, chain)).toContain(': OK');
    expect(pemCerts(chain)).toHaveLength(2);
  }
  const [intermediateA, intermediateB] = [chainA, chainB].map((chain) => pemCerts(chain)[1]);
  expect(intermediateA.fingerprint256).not.toBe(intermediateB.fingerprint256);
  const rootCert = new X509Certificate(fs.readFileSync(root.certPath));
  expect(intermediateA.checkIssued(rootCert) && intermediateB.checkIssued(rootCert)).toBe(true);
});

test('5. fail-over: B stops, replica C takes over its address, the agent keeps syncing through C', async () => {
  await serverB.stop();
  serverC = await startReplica('server-c', serverB.port);
  await serverA.createEntry([
    '-parentID',
    NODE_ID,
    '-spiffeID',
    FAILOVER_ID,
    '-selector',
    `unix:uid:${FAILOVER_UID}`,
  ]);
  expect(await waitForSvid(agent!, FAILOVER_UID, 60_000)).toBe(FAILOVER_ID);
  expect((await fetchX509As(agent!, UID)).spiffeId).toBe(WORKLOAD_ID);
  const served = await fetchChain(FAILOVER_UID);
  expect(await opensslVerify(root.certPath, served)).toContain(': OK');
  const intermediateOfC = pemCerts(await mint(serverC, 'c'))[1];
  expect(pemCerts(served)[1].fingerprint256).toBe(intermediateOfC.fingerprint256);
});
