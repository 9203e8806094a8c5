/**
 * Two trust domains federating with the real binaries on loopback: `one.test` serves its bundle endpoint with
 * `https_web` (a test certificate), `two.test` with `https_spiffe`; the relationship one → two comes from the
 * config file, two → one from the CLI, both bootstrapped with `bundle show -format spiffe | bundle set`. One agent
 * per trust domain; workloads run as other uids and use only `@lanyard/spiffe`.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestCa, pathForOtherUsers, runAsPrefix } from '@lanyard/test-support';
import {
  AgentUnderTest,
  ServerUnderTest,
  freePort,
  runCommand,
  startProcess,
  waitFor,
  type ManagedProcess,
} from '../src';

jest.setTimeout(300_000);

const ONE = 'one.test';
const TWO = 'two.test';
const UID_ONE = 1011;
const UID_TWO = 1012;
const ID_ONE = `spiffe://${ONE}/web`;
const ID_TWO = `spiffe://${TWO}/api`;
/** Upper bound of every wait: generous, the machine running the suites is shared. */
const WAIT_MS = 90_000;
const WORKLOAD = path.join(__dirname, 'federation-workload.js');

let dir: string;
let one: ServerUnderTest;
let two: ServerUnderTest;
let agentOne: AgentUnderTest;
let agentTwo: AgentUnderTest;
let endpointOne: number;
let endpointTwo: number;
let serving: ManagedProcess | undefined;
let servingPort: number;
let web: WebCertificate;

/** One JSON line printed by the workload script. */
interface WorkloadEvent {
  event?: string;
  port?: number;
  roots?: string[];
  data?: string;
  error?: string;
}

function events(process: ManagedProcess): WorkloadEvent[] {
  return process.log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as WorkloadEvent);
}

/** argv of the workload script run as `uid` against `agent`. */
function workloadArgv(uid: number, args: string[]): [string, string[]] {
  const [setpriv, ...prefix] = runAsPrefix({ uid });
  return [setpriv, [...prefix, process.execPath, pathForOtherUsers(WORKLOAD), ...args]];
}

function workloadEnv(agent: AgentUnderTest): NodeJS.ProcessEnv {
  return { ...process.env, SPIFFE_ENDPOINT_SOCKET: agent.endpoint };
}

/** The two.test workload connects to the one.test workload's server; resolves the script's result. */
async function connectFromTwo(): Promise<WorkloadEvent> {
  const [command, args] = workloadArgv(UID_TWO, ['connect', ONE, String(servingPort)]);
  const res = await runCommand(command, args, { env: workloadEnv(agentTwo), timeoutMs: 60_000 });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`workload printed nothing (exit ${res.code}): ${res.stderr}`);
  return JSON.parse(line) as WorkloadEvent;
}

/** PEM certificates of a `bundle show -format pem` output. */
function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** The `https_web` serving certificate files of one.test and the throwaway web CA that issues them. */
interface WebCertificate {
  readonly ca: TestCa;
  readonly cert: string;
  readonly key: string;
  readonly caPem: string;
}

/** Issues a serving certificate for 127.0.0.1 into `web`'s files (expired when `expired`). */
function writeServingCertificate(web: WebCertificate, expired = false): void {
  const leaf = web.ca.issueCertificate({
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    uris: [],
    ...(expired ? { notBefore: new Date(Date.now() - 7_200_000), ttlSeconds: 3600 } : {}),
  });
  fs.writeFileSync(web.key, leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(web.cert, leaf.pem);
}

/** Creates the web CA (trusted by two.test through `NODE_EXTRA_CA_CERTS`) and a valid serving certificate. */
function webServingCertificate(into: string): WebCertificate {
  const ca = TestCa.create({ trustDomain: 'web-ca.test' });
  const web = {
    ca,
    cert: path.join(into, 'web.crt'),
    key: path.join(into, 'web.key'),
    caPem: path.join(into, 'web-ca.pem'),
  };
  fs.writeFileSync(web.caPem, ca.certificate.pem);
  writeServingCertificate(web);
  return web;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyfed-'));
  fs.chmodSync(dir, 0o755);
});

afterAll(async () => {
  await serving?.stop();
  await agentOne?.stop();
  await agentTwo?.stop();
  await one?.stop();
  await two?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. two servers start, each with a bundle endpoint (one.test https_web, two.test https_spiffe)', async () => {
  endpointOne = await freePort();
  endpointTwo = await freePort();
  web = webServingCertificate(dir);
  two = await ServerUnderTest.start({
    dir: path.join(dir, 'two'),
    trustDomain: TWO,
    env: { NODE_EXTRA_CA_CERTS: web.caPem },
    extraServer: `    federation {
        bundle_endpoint {
            address = "127.0.0.1"
            port = ${endpointTwo}
            refresh_hint = "1s"
            profile "https_spiffe" {}
        }
    }`,
  });
  one = await ServerUnderTest.start({
    dir: path.join(dir, 'one'),
    trustDomain: ONE,
    extraServer: `    federation {
        bundle_endpoint {
            address = "127.0.0.1"
            port = ${endpointOne}
            refresh_hint = "1s"
            profile "https_web" {
                serving_cert_file {
                    cert_file_path = "${web.cert}"
                    key_file_path = "${web.key}"
                    file_sync_interval = "1s"
                }
            }
        }
        federates_with "${TWO}" {
            bundle_endpoint_url = "https://127.0.0.1:${endpointTwo}"
            bundle_endpoint_profile "https_spiffe" {
                endpoint_spiffe_id = "spiffe://${TWO}/spire/server"
            }
        }
    }`,
  });
  expect((await one.cli(['healthcheck'])).stdout).toContain('Server is healthy.');
  expect((await two.cli(['healthcheck'])).stdout).toContain('Server is healthy.');
});

test('2. bundles are bootstrapped with bundle show | bundle set; two.test creates its relationship from the CLI', async () => {
  await two.cliOk(
    ['bundle', 'set', '-format', 'spiffe', '-id', `spiffe://${ONE}`],
    await one.cliOk(['bundle', 'show', '-format', 'spiffe']),
  );
  await one.cliOk(
    ['bundle', 'set', '-format', 'spiffe', '-id', `spiffe://${TWO}`],
    await two.cliOk(['bundle', 'show', '-format', 'spiffe']),
  );
  await two.cliOk([
    'federation',
    'create',
    '-trustDomain',
    ONE,
    '-bundleEndpointURL',
    `https://127.0.0.1:${endpointOne}`,
    '-bundleEndpointProfile',
    'https_web',
  ]);
  for (const [server, td] of [
    [one, TWO],
    [two, ONE],
  ] as const) {
    await waitFor(
      `${server.trustDomain} refreshing ${td} from its endpoint`,
      async () => {
        const res = await server.cli(['federation', 'refresh', '-id', td]);
        return res.code === 0 ? true : undefined;
      },
      WAIT_MS,
    );
  }
  // The config-file relationship is not listed (as SPIRE); the one created from the CLI is.
  expect(await two.cliOk(['federation', 'list'])).toMatch(/Trust domain\s+: one\.test\n/);
});

test('3. one agent per trust domain; entries federate with the other trust domain', async () => {
  const start = async (server: ServerUnderTest, name: string): Promise<AgentUnderTest> => {
    const node = `spiffe://${server.trustDomain}/node`;
    const agent = await AgentUnderTest.start({
      dir: path.join(dir, name),
      serverPort: server.port,
      trustBundlePath: await server.writeBundle(),
      trustDomain: server.trustDomain,
      joinToken: await server.joinToken(node),
      syncInterval: '1s',
    });
    return agent;
  };
  agentOne = await start(one, 'agent-one');
  agentTwo = await start(two, 'agent-two');
  await one.createEntry([
    '-parentID',
    `spiffe://${ONE}/node`,
    '-spiffeID',
    ID_ONE,
    '-selector',
    `unix:uid:${UID_ONE}`,
    '-federatesWith',
    `spiffe://${TWO}`,
  ]);
  await two.createEntry([
    '-parentID',
    `spiffe://${TWO}/node`,
    '-spiffeID',
    ID_TWO,
    '-selector',
    `unix:uid:${UID_TWO}`,
    '-federatesWith',
    `spiffe://${ONE}`,
  ]);
  for (const [agent, uid, td] of [
    [agentOne, UID_ONE, TWO],
    [agentTwo, UID_TWO, ONE],
  ] as const) {
    const out = await waitFor(
      `the ${td} bundle served to uid ${uid}`,
      async () => {
        const res = await agent.cli(['api', 'fetch', 'x509'], { uid });
        return res.stdout.includes(`[spiffe://${td}] CA #1`) ? res.stdout : undefined;
      },
      WAIT_MS,
    );
    expect(out).toContain(`SPIFFE ID:\t\tspiffe://${agent === agentOne ? ONE : TWO}/`);
  }
});

test('4. a workload in one.test and one in two.test connect with mTLS, each authorizing the other domain', async () => {
  const [command, args] = workloadArgv(UID_ONE, ['serve', TWO]);
  serving = startProcess('one.test workload', command, args, { env: workloadEnv(agentOne) });
  await serving.waitForLog('"event":"listening"', WAIT_MS);
  servingPort = events(serving).find((e) => e.event === 'listening')!.port!;
  const result = await connectFromTwo();
  expect(result).toEqual({ data: `hello ${ID_TWO} from ${ID_ONE}` });
});

test("5. a JWT-SVID minted in one.test validates in two.test's agent", async () => {
  const audience = `spiffe://${TWO}/api`;
  const fetched = await agentOne.cli(['api', 'fetch', 'jwt', '-audience', audience], { uid: UID_ONE });
  const token = /token\([^)]*\):\n\t(\S+)/.exec(fetched.stdout)?.[1];
  expect(token).toBeDefined();
  const validated = await agentTwo.cli(['api', 'validate', 'jwt', '-audience', audience, '-svid', token!], {
    uid: UID_TWO,
  });
  expect(validated.stdout).toContain(`SVID is valid.\nSPIFFE ID : ${ID_ONE}\n`);
  const wrongAudience = await agentTwo.cli(
    ['api', 'validate', 'jwt', '-audience', 'other', '-svid', token!],
    {
      uid: UID_TWO,
    },
  );
  expect(wrongAudience.code).not.toBe(0);
});

test('6. a new X.509 authority in two.test reaches the running one.test workload; mTLS works after the old one is revoked', async () => {
  const before = pemCertificates(await two.cliOk(['bundle', 'show', '-format', 'pem']));
  const prepared = await two.cliOk(['localauthority', 'x509', 'prepare']);
  const authorityId = /Authority ID: (\S+)/.exec(prepared)?.[1];
  expect(authorityId).toBeDefined();
  const after = pemCertificates(await two.cliOk(['bundle', 'show', '-format', 'pem']));
  const added = after.filter((c) => !before.some((b) => b.raw.equals(c.raw)));
  expect(added).toHaveLength(1);
  const newRoot = added[0];
  await waitFor(
    'the new two.test authority in the running one.test workload',
    async () =>
      events(serving!).some((e) => e.event === 'update' && e.roots?.includes(newRoot.fingerprint256))
        ? true
        : undefined,
    WAIT_MS,
  );

  await two.cliOk(['localauthority', 'x509', 'activate', '-authorityID', authorityId!]);
  const old = /Old X\.509 authority:\n\s+Authority ID: (\S+)/.exec(
    await two.cliOk(['localauthority', 'x509', 'show']),
  )?.[1];
  expect(old).toBeDefined();
  // SVIDs live an hour: only the taint makes the agent replace them now, as SPIRE agents do.
  await two.cliOk(['localauthority', 'x509', 'taint', '-authorityID', old!]);
  await waitFor(
    'the two.test workload SVID and the agent SVID issued by the new authority',
    async () => {
      const res = await agentTwo.cli(['api', 'fetch', 'x509', '-output', 'json'], { uid: UID_TWO });
      if (res.code !== 0) return undefined;
      const doc = JSON.parse(res.stdout) as { svids: Array<{ x509_svid: string }> };
      const leaf = new X509Certificate(Buffer.from(doc.svids[0].x509_svid, 'base64'));
      const agentSvid = new X509Certificate(
        fs.readFileSync(path.join(dir, 'agent-two', 'data', 'agent_svid.der')),
      );
      return leaf.verify(newRoot.publicKey) && agentSvid.verify(newRoot.publicKey) ? true : undefined;
    },
    WAIT_MS,
  );
  await two.cliOk(['localauthority', 'x509', 'revoke', '-authorityID', old!]);
  await waitFor(
    'the one.test workload trusting only the new two.test authority',
    async () => {
      const updates = events(serving!).filter((e) => e.event === 'update');
      const last = updates[updates.length - 1];
      return last?.roots?.length === 1 && last.roots[0] === newRoot.fingerprint256 ? true : undefined;
    },
    WAIT_MS,
  );
  expect(serving!.running).toBe(true);
  expect(await connectFromTwo()).toEqual({ data: `hello ${ID_TWO} from ${ID_ONE}` });
});

test('7. a relationship whose endpoint presents the wrong SPIFFE ID is refused and keeps the last good bundle', async () => {
  const bootstrap = await two.cliOk(['bundle', 'show', '-format', 'spiffe']);
  await one.cliOk(['bundle', 'set', '-format', 'spiffe', '-id', 'spiffe://three.test'], bootstrap);
  await one.cliOk([
    'federation',
    'create',
    '-trustDomain',
    'three.test',
    '-bundleEndpointURL',
    `https://127.0.0.1:${endpointTwo}`,
    '-bundleEndpointProfile',
    'https_spiffe',
    '-endpointSpiffeID',
    'spiffe://three.test/spire/server',
  ]);
  const refresh = await one.cli(['federation', 'refresh', '-id', 'three.test']);
  expect(refresh.code).not.toBe(0);
  expect(refresh.stderr).toContain('failed to refresh bundle');
  const kept = pemCertificates(await one.cliOk(['bundle', 'list', '-id', 'spiffe://three.test']));
  const expected = pemCertificates(await two.cliOk(['bundle', 'show', '-format', 'pem']));
  expect(kept.map((c) => c.fingerprint256)).toEqual(expected.map((c) => c.fingerprint256));
});

test('8. an endpoint presenting an expired certificate is refused; the last good bundle is kept and served', async () => {
  const good = pemCertificates(await one.cliOk(['bundle', 'show', '-format', 'pem']));
  writeServingCertificate(web, true);
  const refused = await waitFor(
    'two.test refusing the expired one.test endpoint certificate',
    async () => {
      const res = await two.cli(['federation', 'refresh', '-id', ONE]);
      return res.code !== 0 && res.stderr.includes('certificate has expired') ? res : undefined;
    },
    WAIT_MS,
  );
  expect(refused.stderr).toContain('failed to refresh bundle');
  const kept = pemCertificates(await two.cliOk(['bundle', 'list', '-id', `spiffe://${ONE}`]));
  expect(kept.map((c) => c.fingerprint256)).toEqual(good.map((c) => c.fingerprint256));
  const served = await agentTwo.cli(['api', 'fetch', 'x509'], { uid: UID_TWO });
  expect(served.stdout).toContain(`[spiffe://${ONE}] CA #1`);
  writeServingCertificate(web);
  await waitFor(
    'two.test refreshing one.test again once the certificate is valid',
    async () => ((await two.cli(['federation', 'refresh', '-id', ONE])).code === 0 ? true : undefined),
    WAIT_MS,
  );
});
