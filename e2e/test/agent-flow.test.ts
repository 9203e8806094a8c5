/**
 * Whole-system flow with the real `lanyard-server` and `lanyard-agent` binaries on loopback:
 * numbered steps share one server and one agent, as SPIRE's own e2e suites do.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor, type ManagedProcess } from '../src';

jest.setTimeout(200_000);

const TD = 'example.org';
const NODE_ID = `spiffe://${TD}/e2e/node`;
const UID_A = 1001;
const UID_B = 1002;
const UID_NONE = 1003;
const ID_A = `spiffe://${TD}/e2e/workload-a`;
const ID_B = `spiffe://${TD}/e2e/workload-b`;
/** Upper bound of every wait: generous, the machine running the suites is shared. */
const WAIT_MS = 60_000;

let dir: string;
let server: ServerUnderTest;
let agent: AgentUnderTest;
let token: string;
let entryB: string;
let watcher: ManagedProcess | undefined;

/** The SPIFFE ID and expiry printed by `api fetch x509` for a uid, or the failure. */
async function fetchAs(
  uid: number,
): Promise<{ code: number | null; id?: string; until?: string; stderr: string }> {
  const res = await agent.cli(['api', 'fetch', 'x509'], { uid });
  return {
    code: res.code,
    id: /SPIFFE ID:\s+(\S+)/.exec(res.stdout)?.[1],
    until: /SVID Valid Until:\s+(.+)/.exec(res.stdout)?.[1],
    stderr: res.stderr,
  };
}

function untilDates(log: string): string[] {
  return [...log.matchAll(/SVID Valid Until:\s+(.+)/g)].map((m) => m[1]);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lye2e-'));
  fs.chmodSync(dir, 0o755);
});

afterAll(async () => {
  await watcher?.stop();
  await agent?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the server starts', async () => {
  server = await ServerUnderTest.start({ dir: path.join(dir, 'server'), trustDomain: TD });
  expect((await server.cli(['healthcheck'])).stdout).toContain('Server is healthy.');
});

test('2. a join token is generated with a node alias', async () => {
  token = await server.joinToken(NODE_ID);
  expect(token).toMatch(/^[0-9a-f-]{36}$/);
});

test('3. the agent attests with the token and becomes healthy', async () => {
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: token,
    syncInterval: '1s',
  });
  expect((await agent.cli(['healthcheck'])).stdout).toBe('Agent is healthy.\n');
  expect(agent.log).toContain('Node attestation was successful');
  expect(agent.log).not.toContain(token);
});

test('4. entries are registered for two uids', async () => {
  await server.createEntry([
    '-parentID',
    NODE_ID,
    '-spiffeID',
    ID_A,
    '-selector',
    `unix:uid:${UID_A}`,
    '-x509SVIDTTL',
    '20',
  ]);
  entryB = await server.createEntry([
    '-parentID',
    NODE_ID,
    '-spiffeID',
    ID_B,
    '-selector',
    `unix:uid:${UID_B}`,
  ]);
  expect(entryB).not.toBe('');
});

test('5. each uid gets its own SVID; a third uid gets PermissionDenied', async () => {
  const a = await waitFor(
    'uid A SVID',
    async () => {
      const r = await fetchAs(UID_A);
      return r.code === 0 ? r : undefined;
    },
    WAIT_MS,
  );
  expect(a.id).toBe(ID_A);
  const b = await waitFor(
    'uid B SVID',
    async () => {
      const r = await fetchAs(UID_B);
      return r.code === 0 ? r : undefined;
    },
    WAIT_MS,
  );
  expect(b.id).toBe(ID_B);
  const none = await fetchAs(UID_NONE);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('rpc error: code = PermissionDenied desc = no identity issued');
});

test('6. a streaming client sees its SVID rotate (20 s TTL)', async () => {
  watcher = agent.watch({ uid: UID_A });
  await watcher.waitForLog('SVID Valid Until', WAIT_MS);
  const first = untilDates(watcher.log)[0];
  await waitFor(
    'a rotated SVID on the stream',
    async () => (untilDates(watcher!.log).some((u) => u !== first) ? true : undefined),
    WAIT_MS,
  );
  expect(watcher.log).toContain(`SPIFFE ID:\t\t${ID_A}`);
  await watcher.stop();
  watcher = undefined;
});

test('7. with the server stopped the agent keeps serving', async () => {
  await server.stop();
  await waitFor(
    'the agent to notice',
    async () => (agent.log.includes('Failed to synchronize with the server') ? true : undefined),
    WAIT_MS,
  );
  const b = await fetchAs(UID_B);
  expect(b.code).toBe(0);
  expect(b.id).toBe(ID_B);
  expect((await agent.cli(['healthcheck'])).code).toBe(0);
});

test('8. after the server restarts sync resumes and no workload holds an expired SVID', async () => {
  await server.run();
  await waitFor(
    'sync to recover',
    async () => (agent.log.includes('Synchronization with the server recovered') ? true : undefined),
    WAIT_MS,
  );
  for (const uid of [UID_A, UID_B]) {
    const dirFor = path.join(dir, `svid-${uid}`);
    fs.mkdirSync(dirFor, { mode: 0o777 });
    fs.chmodSync(dirFor, 0o777);
    const res = await waitFor(
      `uid ${uid} SVID`,
      async () => {
        const r = await agent.cli(['api', 'fetch', 'x509', '-write', dirFor], { uid });
        return r.code === 0 ? r : undefined;
      },
      WAIT_MS,
    );
    expect(res.stdout).toContain(`Writing SVID #0 to file ${dirFor}/svid.0.pem.`);
    const leaf = new X509Certificate(fs.readFileSync(path.join(dirFor, 'svid.0.pem')));
    expect(Date.parse(leaf.validTo)).toBeGreaterThan(Date.now());
    const verify = execFileSync('openssl', [
      'verify',
      '-CAfile',
      path.join(dirFor, 'bundle.0.pem'),
      path.join(dirFor, 'svid.0.pem'),
    ]).toString();
    expect(verify).toContain('svid.0.pem: OK');
  }
});

test('9. a JWT-SVID is fetched and validated through the Workload API', async () => {
  const fetched = await agent.cli(['api', 'fetch', 'jwt', '-audience', 'e2e-audience'], { uid: UID_B });
  expect(fetched.code).toBe(0);
  const jwt = /token\(spiffe:\/\/[^)]+\):\n\t(\S+)/.exec(fetched.stdout)?.[1];
  expect(jwt).toBeDefined();
  const valid = await agent.cli(['api', 'validate', 'jwt', '-audience', 'e2e-audience', '-svid', jwt!], {
    uid: UID_B,
  });
  expect(valid.stdout).toContain('SVID is valid.');
  expect(valid.stdout).toContain(`SPIFFE ID : ${ID_B}`);
  const wrong = await agent.cli(['api', 'validate', 'jwt', '-audience', 'other', '-svid', jwt!], {
    uid: UID_B,
  });
  expect(wrong.code).toBe(1);
});

test('10. deleting an entry stops its workload from receiving it', async () => {
  await server.cliOk(['entry', 'delete', '-entryID', entryB]);
  await waitFor(
    'uid B to lose its identity',
    async () => {
      const r = await fetchAs(UID_B);
      return r.code === 1 && r.stderr.includes('no identity issued') ? true : undefined;
    },
    WAIT_MS,
  );
  expect((await fetchAs(UID_A)).id).toBe(ID_A);
  expect(agent.log).not.toContain(token);
});

test('11. SIGTERM stops the agent gracefully and removes its socket', async () => {
  const socket = agent.socketPath;
  const code = await agent.stop();
  expect(code).toBe(0);
  expect(agent.log).toContain('Agent stopped gracefully');
  expect(fs.existsSync(socket)).toBe(false);
});
