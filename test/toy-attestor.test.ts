/**
 * A new attestor is one folder plus one catalog line: the toy fixture (test/fixtures/attestors/toy, listed once in
 * test/fixtures/catalogs.ts) loads through the generic catalog into a real server and a real agent, and attests
 * over real gRPC.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { StatusCode } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  startAgent,
  startTestServer,
  wireId,
  type TestServer,
} from '../agent/test/harness';
import { fixtureCatalogs, type FixtureCatalogs } from './fixtures/catalogs';

jest.setTimeout(60_000);

const toyBlock = (node: string): string => `NodeAttestor "toy" { plugin_data { node_name = "${node}" } }`;

let catalogs: FixtureCatalogs;
let ts: TestServer;
beforeAll(async () => {
  catalogs = await fixtureCatalogs();
  ts = await startTestServer({
    nodeAttestorPlugins: catalogs.server,
    nodeAttestors: [{ name: 'toy', pluginData: { allowed_nodes: ['node-1'] } }],
  });
});
afterAll(async () => ts.stop());

test('the fixture catalogs hold the toy attestor next to the built-in ones', () => {
  expect(catalogs.server.names()).toEqual(expect.arrayContaining(['join_token', 'toy']));
  expect(catalogs.agent.nodeAttestors.names()).toEqual(expect.arrayContaining(['join_token', 'toy']));
  expect(catalogs.agent.workloadAttestors.names()).toEqual(['docker', 'k8s', 'systemd', 'unix']);
});

test('an agent attests with the toy attestor and gets its SVID and node selectors', async () => {
  const config = agentConfig(ts, agentDir(), undefined, { nodeAttestor: toyBlock('node-1') });
  const agent = await startAgent(config, new LogCapture(), catalogs.agent);
  try {
    const agentId = `spiffe://${TD}/spire/agent/toy/node-1`;
    expect(agent.identity.svid?.spiffeId).toBe(agentId);
    const leaf = new X509Certificate(agent.identity.svid!.certChainDer[0]);
    expect(leaf.subjectAltName).toBe(`URI:${agentId}`);
    const root = new X509Certificate(fs.readFileSync(ts.bundlePath));
    expect(leaf.verify(root.publicKey)).toBe(true);
    const got = await unary<{ attestation_type: string; selectors: { type: string; value: string }[] }>(
      (options, cb) => ts.admin.agent.GetAgent({ id: wireId(agentId) }, options, cb),
    );
    expect(got.attestation_type).toBe('toy');
    expect(got.selectors).toEqual([expect.objectContaining({ type: 'toy', value: 'node:node-1' })]);
  } finally {
    await agent.stop();
  }
});

test('the toy server half refuses a node it does not allow', async () => {
  const config = agentConfig(ts, agentDir(), undefined, { nodeAttestor: toyBlock('node-2') });
  await expect(startAgent(config, new LogCapture(), catalogs.agent)).rejects.toThrow(
    'toy: node "node-2" is not allowed',
  );
});

test('without the catalog line the agent rejects the plugin with the shared unknown-plugin error', async () => {
  const config = agentConfig(ts, agentDir(), undefined, { nodeAttestor: toyBlock('node-1') });
  const start = startAgent(config, new LogCapture());
  await expect(start).rejects.toThrow('no built-in plugin "toy" for type "NodeAttestor"');
  await expect(start).rejects.toMatchObject({ grpcStatus: StatusCode.INVALID_ARGUMENT });
});
