import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type PluginData, silentLogger, type ServerAttestorDeps } from '@lanyard/attestor-core';
import { FakeKubeApi, type KubePod, makeNode, makePod } from '@lanyard/test-support';
import { agentPlugin, serverPlugin } from '../src';

/** A fake cluster with one agent pod on node-a, a kubeconfig for the server and the agent's token file. */
export interface PsatWorld {
  readonly api: FakeKubeApi;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly tokenPath: string;
  readonly agentPod: KubePod;
  readonly nodeUid: string;
  stop(): Promise<void>;
}

export const NODE_UID = '4b1a2f6e-0c1d-4e5f-9a8b-7c6d5e4f3a21';

/** Writes a kubeconfig for `api` (token auth, inline CA) unless `body` is given. */
export function writeKubeconfig(
  dir: string,
  api: FakeKubeApi,
  user = `    token: ${api.clientToken}`,
): string {
  const file = path.join(dir, `kubeconfig-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(file, api.kubeconfig(user));
  return file;
}

/** Starts the fake API server with node-a and the spire-agent pod, and writes the agent's projected token. */
export async function startWorld(): Promise<PsatWorld> {
  const api = new FakeKubeApi();
  await api.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-psat-'));
  api.addNode(
    makeNode({ name: 'node-a', uid: NODE_UID, labels: { 'topology.kubernetes.io/zone': 'z1', role: 'web' } }),
  );
  api.addNode(makeNode({ name: 'node-b' }));
  const agentPod = makePod({
    name: 'spire-agent-x7k2p',
    namespace: 'spire',
    serviceAccount: 'spire-agent',
    nodeName: 'node-a',
    hostIP: '10.0.0.21',
    labels: { app: 'spire-agent', tier: 'infra' },
  });
  api.addPod(agentPod);
  const tokenPath = path.join(dir, 'spire-agent');
  writeFileSync(tokenPath, api.tokenForPod(agentPod));
  return {
    api,
    dir,
    kubeconfig: writeKubeconfig(dir, api),
    tokenPath,
    agentPod,
    nodeUid: NODE_UID,
    async stop() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Server deps with a fixed trust domain. */
export function serverDeps(): ServerAttestorDeps {
  return {
    trustDomain: 'example.org',
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async () => false },
    now: () => Date.now(),
  };
}

/** Builds the server half with one cluster `c1` allowing `spire:spire-agent`, plus overrides. */
export async function server(world: PsatWorld, cluster: PluginData = {}, top: PluginData = {}) {
  return serverPlugin.create(
    {
      clusters: {
        c1: {
          service_account_allow_list: ['spire:spire-agent'],
          kube_config_file: world.kubeconfig,
          ...cluster,
        },
      },
      ...top,
    },
    serverDeps(),
  );
}

/** The agent half's payload for cluster `c1`. */
export async function agentPayload(world: PsatWorld, data: PluginData = {}): Promise<Buffer> {
  const agent = await agentPlugin.create(
    { cluster: 'c1', token_path: world.tokenPath, ...data },
    { trustDomain: 'example.org', logger: silentLogger, now: () => Date.now() },
  );
  return agent.payload();
}

/** A payload for `c1` carrying `token`. */
export function payloadWith(token: string, cluster = 'c1'): Buffer {
  return Buffer.from(JSON.stringify({ cluster, token }));
}

export const noChallenge = async (): Promise<Buffer> => {
  throw new Error('k8s_psat sends no challenge');
};
