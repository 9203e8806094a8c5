/**
 * Nested SPIRE with the real binaries, two levels in one trust domain: a root server and its agent; a
 * downstream server whose `UpstreamAuthority "spire"` gets its CA from the root server through that agent's
 * Workload API (an entry with `-downstream` matches it); a downstream agent attested to the downstream server.
 * A workload SVID of the downstream chain verifies against the ROOT bundle, and a JWT-SVID minted by the
 * downstream server validates at the root agent (the downstream JWT key was published upstream).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { AgentUnderTest, ServerUnderTest, waitFor } from '../src';
import { opensslVerify } from '../src/ha-fixtures';

jest.setTimeout(240_000);

const TD = 'example.org';
const ROOT_NODE = `spiffe://${TD}/e2e/root-node`;
const DOWNSTREAM_NODE = `spiffe://${TD}/e2e/downstream-node`;
const DOWNSTREAM_SERVER = `spiffe://${TD}/e2e/downstream-server`;
const WORKLOAD = `spiffe://${TD}/e2e/nested-workload`;
const WORKLOAD_UID = 1001;
/** Upper bound of every wait: generous, the machine running the suites is shared. */
const WAIT_MS = 90_000;

let dir: string;
let root: ServerUnderTest;
let rootAgent: AgentUnderTest;
let downstream: ServerUnderTest;
let downstreamAgent: AgentUnderTest;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lye2e-nested-'));
  fs.chmodSync(dir, 0o755);
});

afterAll(async () => {
  await downstreamAgent?.stop();
  await downstream?.stop();
  await rootAgent?.stop();
  await root?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the root server and the root agent start', async () => {
  root = await ServerUnderTest.start({ dir: path.join(dir, 'root'), trustDomain: TD });
  rootAgent = await AgentUnderTest.start({
    dir: path.join(dir, 'root-agent'),
    serverPort: root.port,
    trustBundlePath: await root.writeBundle(),
    trustDomain: TD,
    joinToken: await root.joinToken(ROOT_NODE),
    syncInterval: '1s',
  });
});

test('2. a downstream entry matches the downstream server process on the root agent', async () => {
  const uid = String(process.getuid?.() ?? 0);
  await root.createEntry([
    '-parentID',
    ROOT_NODE,
    '-spiffeID',
    DOWNSTREAM_SERVER,
    '-selector',
    `unix:uid:${uid}`,
    '-downstream',
  ]);
});

test('3. the downstream server gets its CA from the root server through the agent socket', async () => {
  downstream = await ServerUnderTest.start({
    dir: path.join(dir, 'downstream'),
    trustDomain: TD,
    extraPlugins: `    UpstreamAuthority "spire" {
        plugin_data {
            server_address = "127.0.0.1"
            server_port = "${root.port}"
            workload_api_socket = "${rootAgent.socketPath}"
        }
    }`,
  });
  const shown = await downstream.cliOk(['localauthority', 'x509', 'show']);
  const upstreamId = /Upstream authority Subject Key ID: ([0-9a-f]+)/.exec(shown)?.[1];
  expect(upstreamId).toBeDefined();
  const rootCa = new X509Certificate(await root.cliOk(['bundle', 'show', '-format', 'pem']));
  expect(rootCa.ca).toBe(true);
  // The downstream bundle holds the root CA: agents of either server trust the same root.
  const downstreamBundle = await downstream.cliOk(['bundle', 'show', '-format', 'pem']);
  expect(downstreamBundle).toContain(rootCa.toString().trim().split('\n')[1]);
});

test('4. a downstream agent attests to the downstream server', async () => {
  downstreamAgent = await AgentUnderTest.start({
    dir: path.join(dir, 'downstream-agent'),
    serverPort: downstream.port,
    trustBundlePath: await downstream.writeBundle(),
    trustDomain: TD,
    joinToken: await downstream.joinToken(DOWNSTREAM_NODE),
    syncInterval: '1s',
  });
  await downstream.createEntry([
    '-parentID',
    DOWNSTREAM_NODE,
    '-spiffeID',
    WORKLOAD,
    '-selector',
    `unix:uid:${WORKLOAD_UID}`,
  ]);
});

test('5. a workload X509-SVID of the downstream chain verifies against the ROOT bundle', async () => {
  const out = path.join(dir, 'svid');
  fs.mkdirSync(out, { mode: 0o777 });
  fs.chmodSync(out, 0o777);
  await waitFor(
    'workload SVID from the downstream agent',
    async () => {
      const r = await downstreamAgent.cli(['api', 'fetch', 'x509', '-write', out], { uid: WORKLOAD_UID });
      return r.code === 0 ? r : undefined;
    },
    WAIT_MS,
  );
  const chainPath = path.join(out, 'svid.0.pem');
  const chain = fs.readFileSync(chainPath, 'utf8');
  const certs = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  expect(certs.length).toBeGreaterThanOrEqual(2);
  const leaf = new X509Certificate(certs[0] ?? '');
  expect(leaf.subjectAltName).toBe(`URI:${WORKLOAD}`);
  const rootBundle = await root.writeBundle(path.join(dir, 'root-bundle.pem'));
  // workload → downstream CA → root CA, with nothing but the root bundle as trust anchor.
  expect(await opensslVerify(rootBundle, chainPath)).toContain('OK');
  const downstreamCa = new X509Certificate(certs[1] ?? '');
  expect(downstreamCa.ca).toBe(true);
  expect(downstreamCa.checkIssued(new X509Certificate(fs.readFileSync(rootBundle)))).toBe(true);
});

test('6. a JWT-SVID minted by the downstream server validates at the root agent', async () => {
  const fetched = await downstreamAgent.cli(['api', 'fetch', 'jwt', '-audience', 'nested'], {
    uid: WORKLOAD_UID,
  });
  expect(fetched.code).toBe(0);
  const token = /token\(spiffe:\/\/[^)]+\):\n\t(\S+)/.exec(fetched.stdout)?.[1];
  expect(token).toBeDefined();
  const valid = await waitFor(
    'the root agent to know the downstream JWT key',
    async () => {
      const r = await rootAgent.cli(['api', 'validate', 'jwt', '-audience', 'nested', '-svid', token!]);
      return r.stdout.includes('SVID is valid.') ? r : undefined;
    },
    WAIT_MS,
  );
  expect(valid.stdout).toContain(`SPIFFE ID : ${WORKLOAD}`);
});
