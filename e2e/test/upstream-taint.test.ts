/**
 * `upstreamauthority taint|revoke -subjectKeyID` with the real binaries and `UpstreamAuthority "disk"`: the
 * upstream key pair files are replaced by a new root, a new local authority is prepared and activated under it,
 * the old root is tainted (the agent sees the taint in its bundle and rotates) and then revoked.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '../src';
import { diskUpstreamAuthority, generateUpstreamRoot, type UpstreamRoot } from '../src/ha-fixtures';

jest.setTimeout(240_000);

const TD = 'example.org';
const NODE = `spiffe://${TD}/e2e/taint-node`;
const WAIT_MS = 90_000;

let dir: string;
let server: ServerUnderTest;
let agent: AgentUnderTest;
let files: UpstreamRoot;
let firstSki: string;
let firstPem: string;
let secondPem: string;

/** The hex Subject Key ID of a PEM certificate file, as `openssl x509 -ext` prints it. */
function subjectKeyId(certPath: string): string {
  const text = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-ext', 'subjectKeyIdentifier']);
  const hex = /\n\s*([0-9A-F:]+)\s*$/.exec(text.toString())?.[1];
  if (!hex) throw new Error(`no subject key ID in ${certPath}`);
  return hex.replace(/:/g, '').toLowerCase();
}

/** The agent's own bundle as the Workload API serves it (PEM). */
async function agentBundle(): Promise<string> {
  const out = path.join(dir, `bundle-${Date.now()}`);
  fs.mkdirSync(out, { mode: 0o777 });
  const res = await agent.cli(['api', 'fetch', 'x509', '-write', out]);
  if (res.code !== 0) throw new Error(res.stderr);
  return fs.readFileSync(path.join(out, 'bundle.0.pem'), 'utf8');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lye2e-taint-'));
  fs.chmodSync(dir, 0o755);
  const first = await generateUpstreamRoot(fs.mkdtempSync(path.join(dir, 'first-')));
  const second = await generateUpstreamRoot(fs.mkdtempSync(path.join(dir, 'second-')));
  files = { certPath: path.join(dir, 'upstream.crt'), keyPath: path.join(dir, 'upstream.key') };
  firstPem = fs.readFileSync(first.certPath, 'utf8');
  secondPem = fs.readFileSync(second.certPath, 'utf8');
  firstSki = subjectKeyId(first.certPath);
  fs.copyFileSync(first.certPath, files.certPath);
  fs.copyFileSync(first.keyPath, files.keyPath);
  // Kept for step 3, when the upstream key pair is rotated on disk.
  fs.copyFileSync(second.certPath, `${files.certPath}.next`);
  fs.copyFileSync(second.keyPath, `${files.keyPath}.next`);
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. a server under the first upstream root and an agent start', async () => {
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    extraPlugins: diskUpstreamAuthority(files),
  });
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: await server.joinToken(NODE),
    syncInterval: '1s',
  });
  await server.createEntry([
    '-parentID',
    NODE,
    '-spiffeID',
    `spiffe://${TD}/e2e/w`,
    '-selector',
    'unix:uid:0',
  ]);
  expect(
    await waitFor(
      'agent bundle',
      async () => (await agentBundle()).includes(pemBody(firstPem)) || undefined,
      WAIT_MS,
    ),
  ).toBe(true);
});

test('2. taint is refused while the first root signs the active authority', async () => {
  const res = await server.cli(['upstreamauthority', 'taint', '-subjectKeyID', firstSki]);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('unable to use upstream authority singing current authority');
});

test('3. after rotating the upstream files, a new authority is prepared and activated under the new root', async () => {
  fs.renameSync(`${files.certPath}.next`, files.certPath);
  fs.renameSync(`${files.keyPath}.next`, files.keyPath);
  const prepared = await server.cliOk(['localauthority', 'x509', 'prepare']);
  const id = /Authority ID: ([0-9a-f]+)/.exec(prepared)?.[1];
  expect(id).toBeDefined();
  await server.cliOk(['localauthority', 'x509', 'activate', '-authorityID', id!]);
  const shown = await server.cliOk(['localauthority', 'x509', 'show']);
  expect(shown).toContain(`Upstream authority Subject Key ID: ${firstSki}`);
});

test('4. taint marks the old root; the agent gets the taint and rotates', async () => {
  const out = await server.cliOk(['upstreamauthority', 'taint', '-subjectKeyID', firstSki.toUpperCase()]);
  expect(out).toBe(`Tainted X.509 upstream authority:\n  Subject Key ID: ${firstSki}\n`);
  const json = JSON.parse(await server.cliOk(['bundle', 'show', '-output', 'json'])) as {
    x509_authorities: { asn1: string; tainted?: boolean }[];
  };
  const tainted = json.x509_authorities.filter((a) => a.tainted).map((a) => a.asn1);
  expect(tainted).toEqual([pemBody(firstPem).replace(/\n/g, '')]);
  await waitFor(
    'the agent to see the tainted authority',
    async () => agent.log.includes('X.509 authorities are tainted') || undefined,
    WAIT_MS,
  );
});

test('5. revoke removes the old root from the server bundle and from the agent', async () => {
  const out = await server.cliOk(['upstreamauthority', 'revoke', '-subjectKeyID', firstSki]);
  expect(out).toBe(`Revoked X.509 upstream authority:\n  Subject Key ID: ${firstSki}\n`);
  const pem = await server.cliOk(['bundle', 'show', '-format', 'pem']);
  expect(pem).not.toContain(pemBody(firstPem));
  expect(pem).toContain(pemBody(secondPem));
  await waitFor(
    'the agent bundle without the revoked root',
    async () => {
      const bundle = await agentBundle();
      return (!bundle.includes(pemBody(firstPem)) && bundle.includes(pemBody(secondPem))) || undefined;
    },
    WAIT_MS,
  );
});

/** The base64 body of the first PEM certificate (line breaks kept). */
function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').trim();
}
