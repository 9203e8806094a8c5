/**
 * Entry `additional_attributes` with the real binaries: `-disableX509SVIDPrefetch` keeps the agent from signing
 * the entry's X509-SVID until a workload asks; `-jwtSVIDIncludeJTI` gives every JWT-SVID its own `jti` and the
 * agent never hands out a cached one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '../src';

jest.setTimeout(240_000);

const TD = 'example.org';
const NODE = `spiffe://${TD}/e2e/attr-node`;
const LAZY = `spiffe://${TD}/e2e/lazy`;
const EAGER = `spiffe://${TD}/e2e/eager`;
const JTI = `spiffe://${TD}/e2e/jti`;
const WAIT_MS = 90_000;

let dir: string;
let server: ServerUnderTest;
let agent: AgentUnderTest;

/** True once the agent logged a signed X509-SVID for `spiffeId`. */
function signed(spiffeId: string): boolean {
  return agent.log.split('\n').some((line) => line.includes('Renewed X509-SVID') && line.includes(spiffeId));
}

function claims(token: string): { jti?: string; sub?: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti?: string };
}

async function fetchJwt(uid: number): Promise<string> {
  const res = await agent.cli(['api', 'fetch', 'jwt', '-audience', 'attr'], { uid });
  const token = /token\(spiffe:\/\/[^)]+\):\n\t(\S+)/.exec(res.stdout)?.[1];
  if (!token) throw new Error(`no token: ${res.stdout}${res.stderr}`);
  return token;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lye2e-attr-'));
  fs.chmodSync(dir, 0o755);
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. a server, an agent and three entries', async () => {
  server = await ServerUnderTest.start({ dir: path.join(dir, 'server'), trustDomain: TD });
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: await server.joinToken(NODE),
    syncInterval: '1s',
  });
  const lazy = await server.createEntry([
    '-parentID',
    NODE,
    '-spiffeID',
    LAZY,
    '-selector',
    'unix:uid:1001',
    '-disableX509SVIDPrefetch',
  ]);
  await server.createEntry(['-parentID', NODE, '-spiffeID', EAGER, '-selector', 'unix:uid:1002']);
  await server.createEntry([
    '-parentID',
    NODE,
    '-spiffeID',
    JTI,
    '-selector',
    'unix:uid:1003',
    '-jwtSVIDIncludeJTI',
  ]);
  const shown = await server.cliOk(['entry', 'show', '-entryID', lazy]);
  expect(shown).toMatch(/DisableX509SvidPrefetch\s*:\s*true/);
});

test('2. the agent prefetches the other entries but not the -disableX509SVIDPrefetch one', async () => {
  await waitFor('prefetched SVIDs', async () => (signed(EAGER) && signed(JTI)) || undefined, WAIT_MS);
  expect(signed(LAZY)).toBe(false);
});

test('3. the SVID is signed once a workload asks for it', async () => {
  const res = await waitFor(
    'the lazy SVID',
    async () => {
      const r = await agent.cli(['api', 'fetch', 'x509'], { uid: 1001 });
      return r.code === 0 ? r : undefined;
    },
    WAIT_MS,
  );
  expect(res.stdout).toContain(`SPIFFE ID:\t\t${LAZY}`);
  expect(signed(LAZY)).toBe(true);
});

test('4. every JWT-SVID of the -jwtSVIDIncludeJTI entry is new and carries its own jti', async () => {
  const first = await fetchJwt(1003);
  const second = await fetchJwt(1003);
  expect(first).not.toBe(second);
  expect(claims(first).jti).toMatch(/\S+/);
  expect(claims(second).jti).not.toBe(claims(first).jti);
  // An ordinary entry's token is cached and carries no jti.
  const eager = await fetchJwt(1002);
  expect(await fetchJwt(1002)).toBe(eager);
  expect(claims(eager).jti).toBeUndefined();
});
