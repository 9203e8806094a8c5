/**
 * An agent offline for longer than its own SVID lifetime (`agent_ttl = "20s"`). With a re-attestable node
 * attestor (k8s_psat against FakeKubeApi) the agent comes back by itself: after its process was stopped past the
 * expiry and started again, and while running behind a partition (FaultProxy resetting every connection) that
 * outlasts the expiry. A join-token agent cannot re-attest (as in SPIRE: the token is single-use): started again
 * with its expired SVID it exits with a clear error and needs a new token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unary } from '@lanyard/base/grpc';
import { AgentUnderTest, ServerUnderTest, waitFor } from '@lanyard/e2e';
import { WorkloadApiClient } from '@lanyard/spiffe';
import { FakeKubeApi, FaultProxy, makeNode, makePod } from '@lanyard/test-support';
import { FaultFigures, SOAK } from './figures';
import {
  TD,
  WAIT_MS,
  admin,
  batchCreate,
  bundleAuthorities,
  chainProblem,
  makeDir,
  wireEntry,
  wireId,
} from './harness';

jest.setTimeout(600_000);

const NODE_UID = '0b7c2d4e-5f60-4a1b-9c8d-7e6f5a4b3c2d';
const AGENT_ID = `spiffe://${TD}/spire/agent/k8s_psat/c1/${NODE_UID}`;
const SELECTOR = `unix:uid:${process.getuid?.() ?? 0}`;

const figures = new FaultFigures(
  '### Agent offline longer than its SVID lifetime',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/agent-offline`,
  `\`agent_ttl = "20s"\`, workload SVIDs 20 s. A k8s_psat agent (FakeKubeApi) is kept away from the server until the
server's record of its SVID has expired, then must come back without help and serve a valid workload SVID again.
A join-token agent in the same situation cannot re-attest, as in SPIRE; it exits with an error and needs a new
token.`,
);

let dir: string;
let kube: FakeKubeApi;
let server: ServerUnderTest;
let proxy: FaultProxy;
let agent: AgentUnderTest | undefined;
let client: WorkloadApiClient | undefined;
let tokenAgent: AgentUnderTest | undefined;

/** The server's recorded expiry (ms) of an agent's SVID. */
async function agentSvidExpiry(agentId: string): Promise<number> {
  const api = admin(server.socketPath);
  const node = await unary<{ x509svid_expires_at: string | number }>(
    (options, cb) =>
      api.agent.GetAgent({ id: wireId(agentId), output_mask: null } as never, options, cb as never),
    30_000,
  );
  api.close();
  return Number(node.x509svid_expires_at) * 1000;
}

async function waitUntilExpired(agentId: string): Promise<number> {
  const expiry = await agentSvidExpiry(agentId);
  await waitFor(
    'the agent SVID to expire',
    async () => (Date.now() > expiry + 1000 ? true : undefined),
    120_000,
  );
  return expiry;
}

async function validWorkloadSvid(): Promise<void> {
  const api = admin(server.socketPath);
  const roots = await bundleAuthorities(api);
  api.close();
  await waitFor(
    'a valid workload SVID',
    async () => {
      const ctx = await client!.fetchX509Context({ signal: AbortSignal.timeout(5000) });
      return chainProblem(ctx.defaultSvid.certificates, roots) === undefined ? true : undefined;
    },
    WAIT_MS,
  );
}

beforeAll(async () => {
  dir = makeDir('lanyard-rel-offline-');
  kube = new FakeKubeApi();
  await kube.start();
  kube.addNode(makeNode({ name: 'node-a', uid: NODE_UID }));
  const pod = makePod({
    name: 'lanyard-agent-x1',
    namespace: 'spire',
    serviceAccount: 'lanyard-agent',
    nodeName: 'node-a',
  });
  kube.addPod(pod);
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- {name: fake, cluster: {server: "${kube.url}", certificate-authority-data: ${Buffer.from(kube.caPem).toString('base64')}}}\nusers:\n- {name: lanyard, user: {token: ${kube.clientToken}}}\ncontexts:\n- {name: fake, context: {cluster: fake, user: lanyard}}\ncurrent-context: fake\n`,
  );
  fs.writeFileSync(path.join(dir, 'psat-token'), kube.tokenForPod(pod));
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    defaultX509SvidTtl: '20s',
    extraServer: '    agent_ttl = "20s"',
    extraPlugins: `    NodeAttestor "k8s_psat" {\n        plugin_data {\n            clusters = {\n                "c1" = {\n                    service_account_allow_list = ["spire:lanyard-agent"]\n                    kube_config_file = "${kubeconfig}"\n                }\n            }\n        }\n    }`,
  });
  proxy = await FaultProxy.start({ targetPort: server.port });
  const api = admin(server.socketPath);
  const [created] = await batchCreate(api, [
    wireEntry(`spiffe://${TD}/offline/workload`, AGENT_ID, SELECTOR, 20),
  ]);
  api.close();
  expect(created.code).toBe(0);
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: proxy.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    syncInterval: '1s',
    nodeAttestor: `    NodeAttestor "k8s_psat" {\n        plugin_data {\n            cluster = "c1"\n            token_path = "${path.join(dir, 'psat-token')}"\n        }\n    }`,
  });
  client = new WorkloadApiClient({ address: agent.endpoint });
  await validWorkloadSvid();
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  await tokenAgent?.stop();
  await proxy?.close();
  await server?.stop();
  await kube?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  figures.writeIfRequested(3);
});

test('k8s_psat agent stopped past its SVID expiry re-attests on start and serves again', async () => {
  await agent!.stop();
  const expired = await waitUntilExpired(AGENT_ID);
  await agent!.run();
  await validWorkloadSvid();
  expect(await agentSvidExpiry(AGENT_ID)).toBeGreaterThan(expired);
  figures.add({
    scenario: 'process stopped past the expiry, then started',
    backend: 'k8s_psat',
    runs: 1,
    done: 'new agent SVID; workload served a valid SVID',
    lost: 0,
  });
});

test('k8s_psat agent cut off (connections reset) past its SVID expiry comes back by itself', async () => {
  proxy.setMode('reset');
  const expired = await waitUntilExpired(AGENT_ID);
  proxy.setMode('pass');
  await waitFor(
    'a new agent SVID',
    async () => ((await agentSvidExpiry(AGENT_ID)) > expired ? true : undefined),
    WAIT_MS,
  );
  await validWorkloadSvid();
  expect(agent!.log).toMatch(/re-attest/);
  figures.add({
    scenario: 'partition past the expiry, agent running',
    backend: 'k8s_psat',
    runs: 1,
    done: 're-attested by itself after healing; workload served a valid SVID',
    lost: 0,
  });
});

test('join-token agent past its SVID expiry cannot re-attest and says so', async () => {
  const token = await server.joinToken(`spiffe://${TD}/offline/join-token-node`);
  tokenAgent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent-token'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: token,
  });
  const agentId = `spiffe://${TD}/spire/agent/join_token/${token}`;
  await tokenAgent.stop();
  await waitUntilExpired(agentId);
  await expect(tokenAgent.run()).rejects.toThrow(/agent exited/);
  expect(tokenAgent.log).toMatch(/join token|cannot re-attest|expired/i);
  figures.add({
    scenario: 'join token agent stopped past the expiry',
    backend: 'join_token',
    runs: 1,
    done: 'exits with an error naming the cause (a new token is needed, as in SPIRE)',
    lost: 0,
  });
});
