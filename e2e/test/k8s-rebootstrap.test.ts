/**
 * `Notifier "k8sbundle"` and `rebootstrap_mode` together, with the real binaries on Kubernetes fakes: the server
 * publishes its bundle into a ConfigMap, the agent bootstraps from that (projected) file and attests with k8s_psat.
 * The server is then replaced by one with a fresh data dir (a new CA): the agent, whose stored bundle no longer
 * validates the server, waits `rebootstrap_delay`, discards its SVID and bundle and shuts down; started again (as
 * the DaemonSet would), it bootstraps from the ConfigMap the new server wrote and is served again.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '@lanyard/e2e';
import { FakeKubeApi, makeNode, makePod } from '@lanyard/test-support';

jest.setTimeout(300_000);

const NODE_UID = '0b6f1e3a-9c2d-4e5f-8a7b-1c2d3e4f5a6b';
const AGENT_ID = `spiffe://example.org/spire/agent/k8s_psat/c1/${NODE_UID}`;
const APP_ID = 'spiffe://example.org/rebootstrap/app';
const WAIT_MS = 90_000;

let dir: string;
let api: FakeKubeApi;
let server: ServerUnderTest;
let agent: AgentUnderTest;
/** The agent's trust_bundle_path: what the kubelet projects from the bundle ConfigMap. */
let bundleFile: string;

function serverPlugins(): string {
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  return `    NodeAttestor "k8s_psat" {
        plugin_data {
            clusters = { "c1" = { service_account_allow_list = ["spire:lanyard-agent"], kube_config_file = "${kubeconfig}" } }
        }
    }
    Notifier "k8sbundle" {
        plugin_data {
            kube_config_file_path = "${kubeconfig}"
        }
    }`;
}

/** Waits for the ConfigMap to hold a bundle other than `previous`, and projects it to the agent's file. */
async function projectBundle(previous = ''): Promise<string> {
  const pem = await waitFor(
    'the bundle in ConfigMap spire/spire-bundle',
    async () => {
      const data = api.objects.get('ConfigMap', 'spire-bundle', 'spire')?.data as
        Record<string, string> | undefined;
      const value = data?.['bundle.crt'];
      return value && value !== previous ? value : undefined;
    },
    WAIT_MS,
  );
  writeFileSync(bundleFile, pem);
  return pem;
}

/** Registers the app for uid 0 under the agent and fetches its SVID; returns the leaf certificate. */
async function fetchAppSvid(): Promise<X509Certificate> {
  await server.cliOk([
    'entry',
    'create',
    '-parentID',
    AGENT_ID,
    '-spiffeID',
    APP_ID,
    '-selector',
    'unix:uid:0',
  ]);
  const out = path.join(dir, `svid-${Date.now()}`);
  mkdirSync(out);
  await waitFor(
    'an SVID for the app',
    async () => ((await agent.cli(['api', 'fetch', 'x509', '-write', out])).code === 0 ? true : undefined),
    WAIT_MS,
  );
  return new X509Certificate(readFileSync(path.join(out, 'svid.0.pem')));
}

function chainsTo(leaf: X509Certificate, bundlePem: string): boolean {
  const roots = bundlePem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((pem) => new X509Certificate(pem));
  return roots.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanyard-e2e-rebootstrap-'));
  bundleFile = path.join(dir, 'bundle.crt');
  api = new FakeKubeApi();
  await api.start();
  api.addNode(makeNode({ name: 'node-a', uid: NODE_UID }));
  const agentPod = makePod({
    name: 'lanyard-agent-x1',
    namespace: 'spire',
    serviceAccount: 'lanyard-agent',
    nodeName: 'node-a',
  });
  api.addPod(agentPod);
  api.objects.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-bundle', namespace: 'spire' },
  });
  writeFileSync(path.join(dir, 'kubeconfig.yaml'), api.kubeconfig());
  writeFileSync(path.join(dir, 'psat-token'), api.tokenForPod(agentPod));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('rebootstrap from the notifier-kept bundle (real binaries, Kubernetes fakes)', () => {
  let firstBundle: string;

  it('1. the server writes its bundle to the ConfigMap; the agent bootstraps from it and serves', async () => {
    server = await ServerUnderTest.start({ dir: path.join(dir, 'server-a'), extraPlugins: serverPlugins() });
    firstBundle = await projectBundle();
    agent = await AgentUnderTest.start({
      dir: path.join(dir, 'agent'),
      serverPort: server.port,
      trustBundlePath: bundleFile,
      syncInterval: '1s',
      extraAgent: '    rebootstrap_mode = "always"\n    rebootstrap_delay = "3s"',
      nodeAttestor: `    NodeAttestor "k8s_psat" {
        plugin_data {
            cluster = "c1"
            token_path = "${path.join(dir, 'psat-token')}"
        }
    }`,
    });
    expect(chainsTo(await fetchAppSvid(), firstBundle)).toBe(true);
  });

  it('2. a server with a new CA: after rebootstrap_delay the agent discards its state and shuts down', async () => {
    const port = server.port;
    await server.stop();
    server = await ServerUnderTest.start({
      dir: path.join(dir, 'server-b'),
      port,
      extraPlugins: serverPlugins(),
    });
    const second = await projectBundle(firstBundle);
    expect(chainsTo(new X509Certificate(second.split(/(?=-----BEGIN)/)[0]), firstBundle)).toBe(false);
    await waitFor(
      'the agent to shut down for rebootstrapping',
      async () => (agent.running ? undefined : true),
      WAIT_MS,
    );
    expect(agent.log).toContain("Trust Bundle and Server don't agree, ignoring for now");
    expect(agent.log).toContain("Trust Bundle and Server don't agree, rebootstrapping");
    expect(agent.log).toContain('shutting down for rebootstrapping');
    const data = path.join(dir, 'agent', 'data');
    expect(existsSync(path.join(data, 'agent_svid.der'))).toBe(false);
    expect(existsSync(path.join(data, 'bundle.der'))).toBe(false);
  });

  it('3. restarted, it bootstraps from the new bundle, attests again and serves SVIDs of the new CA', async () => {
    await agent.run();
    expect(agent.log).toContain('Node attestation was successful');
    const leaf = await fetchAppSvid();
    expect(chainsTo(leaf, readFileSync(bundleFile, 'utf8'))).toBe(true);
    expect(chainsTo(leaf, firstBundle)).toBe(false);
  });
});
