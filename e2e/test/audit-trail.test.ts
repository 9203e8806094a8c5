/**
 * The identity trail end to end, with the real `lanyard-server` and `lanyard-agent` binaries: X.509 and JWT
 * issuance through a real agent (one JWT for a cloud audience, which carries a `jti`), entry changes, then
 * `audit query` answers "every SVID and cloud token the workload received today, and on which node".
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_BIN, AgentUnderTest, SERVER_BIN, ServerUnderTest, runCommand, waitFor } from '../src';

jest.setTimeout(200_000);

const TD = 'example.org';
const NODE_ID = `spiffe://${TD}/e2e/audit-node`;
const WORKLOAD = `spiffe://${TD}/pay/api`;
const UID = process.getuid!();
const WAIT_MS = 60_000;

interface QueriedEvent {
  time: string;
  event: string;
  spiffe_id: string;
  serial?: string;
  jti?: string;
  agent_id?: string;
  audience?: string[];
  pid?: number;
  before?: { x509_svid_ttl: number };
  after?: { x509_svid_ttl: number };
}

let dir: string;
let server: ServerUnderTest;
let agent: AgentUnderTest;
let token: string;
let entryId: string;
let serverTrail: string;
let agentTrail: string;

async function query(bin: string, args: string[]): Promise<{ events: QueriedEvent[]; stderr: string }> {
  const res = await runCommand(process.execPath, [bin, 'audit', 'query', ...args, '-output', 'json'], {
    timeoutMs: 60_000,
  });
  if (res.code !== 0) throw new Error(`audit query exited ${res.code}: ${res.stderr}`);
  return { events: (JSON.parse(res.stdout) as { events: QueriedEvent[] }).events, stderr: res.stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyaud-'));
  fs.chmodSync(dir, 0o755);
  serverTrail = path.join(dir, 'server-trail.log');
  agentTrail = path.join(dir, 'agent-trail.log');
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. server and agent start with audit trails; the agent attests with a join token', async () => {
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    extraServer: `audit_trail {\n  path = "${serverTrail}"\n  max_size = "10MB"\n}`,
  });
  token = await server.joinToken(NODE_ID);
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: token,
    syncInterval: '1s',
    extraAgent: `audit_trail {\n  path = "${agentTrail}"\n}`,
  });
});

test('2. an entry is created and updated', async () => {
  entryId = await server.createEntry([
    '-parentID',
    NODE_ID,
    '-spiffeID',
    WORKLOAD,
    '-selector',
    `unix:uid:${UID}`,
  ]);
  await server.cliOk([
    'entry',
    'update',
    '-entryID',
    entryId,
    '-parentID',
    NODE_ID,
    '-spiffeID',
    WORKLOAD,
    '-selector',
    `unix:uid:${UID}`,
    '-x509SVIDTTL',
    '900',
  ]);
});

test('3. the workload gets an X.509-SVID and a JWT-SVID for a cloud audience through the agent', async () => {
  const x509 = await waitFor(
    'the workload X.509-SVID with the updated TTL',
    async () => {
      const res = await agent.cli(['api', 'fetch', 'x509', '-write', dir]);
      if (res.code !== 0) return undefined;
      const leaf = new X509Certificate(fs.readFileSync(path.join(dir, 'svid.0.pem')));
      const ttl = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000;
      return ttl <= 1000 ? leaf : undefined;
    },
    WAIT_MS,
  );
  const jwt = await agent.cli(['api', 'fetch', 'jwt', '-audience', 'sts.amazonaws.com']);
  expect(jwt.code).toBe(0);
  const tokenText = /token\(spiffe:\/\/example\.org\/pay\/api\):\n\t(\S+)/.exec(jwt.stdout)?.[1] ?? '';
  const claims = JSON.parse(Buffer.from(tokenText.split('.')[1], 'base64url').toString()) as { jti?: string };
  expect(claims.jti).toEqual(expect.any(String));

  const serial = BigInt(`0x${x509.serialNumber}`).toString(10);
  // The server's trail is fsync'd per batch; wait until both issuance lines are there.
  const answer = await waitFor(
    'the issuance events in the server trail',
    async () => {
      const { events } = await query(SERVER_BIN, [
        '-config',
        server.configPath,
        '-spiffeID',
        WORKLOAD,
        '-since',
        '1h',
        '-event',
        'x509_svid_issued',
        '-event',
        'jwt_svid_minted',
      ]);
      const hasSerial = events.some((e) => e.serial === serial);
      const hasJti = events.some((e) => e.jti === claims.jti);
      return hasSerial && hasJti ? events : undefined;
    },
    WAIT_MS,
  );
  const agentIds = new Set(answer.map((e) => e.agent_id));
  expect(agentIds.size).toBe(1);
  expect([...agentIds][0]).toMatch(
    /^spiffe:\/\/example\.org\/spire\/agent\/join_token\/sha256:[0-9a-f]{16}$/,
  );
  expect(answer.find((e) => e.jti === claims.jti)?.audience).toEqual(['sts.amazonaws.com']);

  const workload = await waitFor(
    'the workload events in the agent trail',
    async () => {
      const { events } = await query(AGENT_BIN, ['-path', agentTrail, '-spiffeID', WORKLOAD]);
      const x = events.find((e) => e.event === 'workload_x509_svid' && e.serial === serial);
      const j = events.find((e) => e.event === 'workload_jwt_svid' && e.jti === claims.jti);
      return x && j ? { x, j } : undefined;
    },
    WAIT_MS,
  );
  expect(workload.x.pid).toEqual(expect.any(Number));
  expect(workload.j.audience).toEqual(['sts.amazonaws.com']);
});

test('4. entry changes are in the trail with before/after; no token or key anywhere', async () => {
  const { events } = await query(SERVER_BIN, [
    '-path',
    serverTrail,
    '-spiffeID',
    WORKLOAD,
    '-event',
    'entry_created',
    '-event',
    'entry_updated',
  ]);
  expect(events.map((e) => e.event)).toEqual(['entry_created', 'entry_updated']);
  expect(events[1].before?.x509_svid_ttl).toBe(0);
  expect(events[1].after?.x509_svid_ttl).toBe(900);
  const kinds = new Set((await query(SERVER_BIN, ['-path', serverTrail])).events.map((e) => e.event));
  expect([...kinds]).toEqual(
    expect.arrayContaining(['join_token_created', 'join_token_used', 'agent_attested', 'x509_svid_issued']),
  );
  for (const file of [serverTrail, agentTrail]) {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
  }
});

test('5. the pretty table answers the same question', async () => {
  const res = await runCommand(
    process.execPath,
    [
      SERVER_BIN,
      'audit',
      'query',
      '-path',
      serverTrail,
      '-spiffeID',
      WORKLOAD,
      '-since',
      '1h',
      '-event',
      'jwt_svid_minted',
    ],
    { timeoutMs: 60_000 },
  );
  expect(res.code).toBe(0);
  const lines = res.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^TIME\s+EVENT\s+SPIFFE_ID\s+SERIAL\s+JTI\s+AGENT_ID\s+DETAIL$/);
  expect(lines.slice(1).every((l) => l.includes('jwt_svid_minted') && l.includes('sts.amazonaws.com'))).toBe(
    true,
  );
});
