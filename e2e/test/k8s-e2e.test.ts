/**
 * Whole system on Kubernetes fakes: the real lanyard-server attests a real lanyard-agent with k8s_psat against
 * FakeKubeApi, and the agent's k8s workload attestor maps a caller's pid (through a fake proc root holding its cgroup
 * file) to a pod that FakeKubelet lists.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AGENT_BIN, AgentUnderTest, ServerUnderTest, delay } from '@lanyard/e2e';
import { FakeKubeApi, FakeKubelet, type KubePod, makeNode, makePod } from '@lanyard/test-support';

const NODE_UID = '6c0e2b1a-3d4f-4a5b-8c9d-0e1f2a3b4c5d';
const AGENT_ID = `spiffe://example.org/spire/agent/k8s_psat/c1/${NODE_UID}`;
const API_ID = 'spiffe://example.org/ns/payments/sa/api';

let dir: string;
let api: FakeKubeApi;
let kubelet: FakeKubelet;
let server: ServerUnderTest;
let agent: AgentUnderTest;
let procRoot: string;
let paymentsPod: KubePod;
let webPod: KubePod;

async function startKubernetesFakes(): Promise<void> {
  api = new FakeKubeApi();
  await api.start();
  api.addNode(makeNode({ name: 'node-a', uid: NODE_UID }));
  const agentPod = makePod({
    name: 'lanyard-agent-q8r2t',
    namespace: 'spire',
    serviceAccount: 'lanyard-agent',
    nodeName: 'node-a',
  });
  api.addPod(agentPod);
  writeFileSync(path.join(dir, 'kubeconfig.yaml'), api.kubeconfig());
  writeFileSync(path.join(dir, 'psat-token'), api.tokenForPod(agentPod));

  kubelet = new FakeKubelet({ nodeName: 'node-a' });
  await kubelet.start();
  kubelet.acceptedTokens.add('kubelet-token');
  writeFileSync(path.join(dir, 'kubelet-token'), 'kubelet-token');
  writeFileSync(path.join(dir, 'kubelet-ca.crt'), kubelet.caPem);
  paymentsPod = makePod({
    name: 'api-5c7d9-abcde',
    namespace: 'payments',
    serviceAccount: 'api',
    nodeName: 'node-a',
    containers: [{ name: 'api', image: 'registry.example/payments/api:2.0.0', id: '1'.repeat(64) }],
  });
  webPod = makePod({
    name: 'frontend-6f8b7-fghij',
    namespace: 'web',
    serviceAccount: 'frontend',
    nodeName: 'node-a',
    containers: [{ name: 'frontend', image: 'registry.example/web/frontend:3.1.0', id: '2'.repeat(64) }],
  });
  kubelet.addPod(paymentsPod);
  kubelet.addPod(webPod);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanyard-e2e-k8s-'));
  procRoot = path.join(dir, 'proc');
  mkdirSync(procRoot);
  await startKubernetesFakes();
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    extraPlugins: `    NodeAttestor "k8s_psat" {
        plugin_data {
            clusters = {
                "c1" = {
                    service_account_allow_list = ["spire:lanyard-agent"]
                    kube_config_file = "${path.join(dir, 'kubeconfig.yaml')}"
                }
            }
        }
    }`,
  });
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    nodeAttestor: `    NodeAttestor "k8s_psat" {
        plugin_data {
            cluster = "c1"
            token_path = "${path.join(dir, 'psat-token')}"
        }
    }`,
    extraPlugins: `    WorkloadAttestor "k8s" {
        plugin_data {
            kubelet_secure_port = ${kubelet.port}
            kubelet_host = "127.0.0.1"
            node_name = "node-a"
            kubelet_ca_path = "${path.join(dir, 'kubelet-ca.crt')}"
            token_path = "${path.join(dir, 'kubelet-token')}"
            proc_root = "${procRoot}"
            poll_retry_interval = "100ms"
            max_poll_attempts = 5
        }
    }`,
  });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  await kubelet?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/**
 * Runs `lanyard-agent api fetch x509` as a process placed in `pod`'s container: the shell waits until the fake
 * cgroup file for its pid is written, then execs the CLI under the same pid.
 */
function fetchAsPod(pod: KubePod): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    'sh',
    [
      '-c',
      `read _; exec "${process.execPath}" "${AGENT_BIN}" api fetch x509 -socketPath "${agent.socketPath}"`,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const id = pod.status.containerStatuses?.[0].containerID?.split('://')[1] ?? '';
  const pidDir = path.join(procRoot, String(child.pid));
  mkdirSync(pidDir, { recursive: true });
  const uid = pod.metadata.uid.replace(/-/g, '_');
  writeFileSync(
    path.join(pidDir, 'cgroup'),
    `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid}.slice/cri-containerd-${id}.scope\n`,
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stdin.end('go\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(pidDir, { recursive: true, force: true });
      resolve({ code, out });
    }),
  );
}

describe('k8s end to end (real binaries, Kubernetes fakes)', () => {
  it('1. the agent attests with k8s_psat: TokenReview with the spire-server audience, node-UID agent ID', async () => {
    const reviews = api.requests.filter((r) => r.path === '/apis/authentication.k8s.io/v1/tokenreviews');
    expect(reviews.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(reviews[0].body).spec.audiences).toEqual(['spire-server']);
    expect(await server.cliOk(['agent', 'list'])).toContain(AGENT_ID);
  });

  it('2. a process in the payments/api pod gets the SVID registered for k8s:ns:payments + k8s:sa:api', async () => {
    await server.cliOk([
      'entry',
      'create',
      '-parentID',
      AGENT_ID,
      '-spiffeID',
      API_ID,
      '-selector',
      'k8s:ns:payments',
      '-selector',
      'k8s:sa:api',
    ]);
    let last = { code: null as number | null, out: '' };
    for (let attempt = 0; attempt < 30; attempt++) {
      last = await fetchAsPod(paymentsPod);
      if (last.code === 0) break;
      await delay(1000);
    }
    expect(last.out).toContain(API_ID);
    expect(last.code).toBe(0);
    expect(kubelet.requests.every((r) => r.headers.authorization === 'Bearer kubelet-token')).toBe(true);
  }, 60_000);

  it('3. a process in another pod on the same node gets no identity', async () => {
    const result = await fetchAsPod(webPod);
    expect(result.code).not.toBe(0);
    expect(result.out).not.toContain(API_ID);
    expect(result.out).toMatch(/no identity issued/i);
  }, 30_000);
});
