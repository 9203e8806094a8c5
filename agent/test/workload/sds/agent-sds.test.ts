/**
 * SDS on a real agent attested against a real server: the agent config's `sds {}` and `disable_workload_api`
 * reach the socket, and the SVID Envoy receives chains to the server's CA.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { SecretDiscoveryServiceClient } from '@lanyard/proto';
import type { Agent } from '../../../src/agent';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  bundlePem,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  type TestServer,
} from '../../harness';
import { header, unary, workloadClient } from '../../workload-fixtures';
import {
  certificateOf,
  decodeSecrets,
  parsePemCertificates,
  sdsClient,
  signedByOneOf,
  XdsStream,
} from './sds-fixtures';

jest.setTimeout(60_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let client: SecretDiscoveryServiceClient;
const envoyId = `spiffe://${TD}/envoy/front`;

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  const token = await createToken(ts.admin);
  const extra = '  disable_workload_api = true\n  sds {\n    default_svid_name = "mine"\n  }';
  agent = await startAgent(agentConfig(ts, dir, token, { extra }), new LogCapture());
  await createEntry(ts.admin, {
    parentId: `spiffe://${TD}/spire/agent/join_token/${token}`,
    spiffeId: envoyId,
    selectors: [`unix:uid:${process.getuid!()}`],
  });
  await eventually('an SVID for the entry', () => (agent.cache.svidCount > 0 ? true : undefined));
  client = sdsClient(path.join(dir, 'public', 'api.sock'));
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('StreamSecrets serves the configured default SVID name with a chain to the server CA', async () => {
  const stream = new XdsStream(client);
  stream.send({ resource_names: ['mine', 'ROOTCA'], node: { id: 'front', cluster: 'front' } });
  const response = await stream.next(20_000);
  const secrets = decodeSecrets(response);
  expect(secrets.map((s) => s.name)).toEqual(['ROOTCA', 'mine']);
  const serverRoots = parsePemCertificates(Buffer.from(await bundlePem(ts.admin)));
  const served = parsePemCertificates(secrets[0].validator!.trust_domains[0].trust_bundle!.inline_bytes!);
  expect(served.map((c) => c.fingerprint256).sort()).toEqual(serverRoots.map((c) => c.fingerprint256).sort());
  const { chain, key } = certificateOf(secrets[1]);
  expect(chain[0].subjectAltName).toBe(`URI:${envoyId}`);
  expect(chain[0].checkPrivateKey(key)).toBe(true);
  chain.slice(1).forEach((issuer, i) => expect(signedByOneOf(chain[i], [issuer])).toBe(true));
  expect(signedByOneOf(chain[chain.length - 1], serverRoots)).toBe(true);
  stream.cancel();
});

test('disable_workload_api leaves SDS alone and turns the Workload API off', async () => {
  const wl = workloadClient(path.join(dir, 'public', 'api.sock'));
  try {
    const call = unary<object, unknown>(wl.FetchJWTSVID.bind(wl), { audience: ['x'] }, header());
    const err = (await call.catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  } finally {
    wl.close();
  }
});
