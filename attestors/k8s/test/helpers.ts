import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type PluginData, silentLogger } from '@lanyard/attestor-core';
import { FakeKubelet, type KubePod, makePod } from '@lanyard/test-support';
import { K8sWorkloadAttestor, parseK8sConfig } from '../src';

export const POD_UID = 'd3f1c0de-5b7a-4c2e-9f10-6a2b8c4d1e07';
export const CONTAINER_ID = 'a1f3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3';
export const OTHER_CONTAINER_ID = 'b'.repeat(64);
export const FIXTURES = path.join(__dirname, 'fixtures');

/** A kubelet with the payments/api pod, a proc root and the agent's token and CA files. */
export interface KubeletWorld {
  readonly kubelet: FakeKubelet;
  readonly dir: string;
  readonly procRoot: string;
  readonly tokenPath: string;
  readonly caPath: string;
  readonly pod: KubePod;
  /** Attestors built by {@link attestor}; closed by {@link stop}. */
  readonly attestors: K8sWorkloadAttestor[];
  stop(): Promise<void>;
}

/** The `payments/api` pod on node-a, owned by a ReplicaSet, with one init container; `api` may still be starting. */
export function paymentsPod(apiStarted = true): KubePod {
  return makePod({
    name: 'api-7d9f8c6b5-x2x4q',
    namespace: 'payments',
    serviceAccount: 'api',
    nodeName: 'node-a',
    uid: POD_UID,
    labels: { app: 'api', tier: 'backend' },
    owner: { kind: 'ReplicaSet', name: 'api-7d9f8c6b5', uid: '8e0a7f5c-1b2d-4c3e-8f9a-0b1c2d3e4f5a' },
    containers: [
      {
        name: 'api',
        image: 'registry.example/payments/api:1.4.2',
        id: apiStarted ? CONTAINER_ID : undefined,
      },
      { name: 'envoy', image: 'envoyproxy/envoy:v1.31.0', id: 'c'.repeat(64) },
    ],
    initContainers: [
      { name: 'migrate', image: 'registry.example/payments/migrate:1.4.2', id: 'd'.repeat(64) },
    ],
  });
}

/** Copies a cgroup fixture to `<procRoot>/<pid>/cgroup`. */
export function placeProcess(world: KubeletWorld, pid: number, fixture: string): void {
  mkdirSync(path.join(world.procRoot, String(pid)), { recursive: true });
  copyFileSync(path.join(FIXTURES, fixture), path.join(world.procRoot, String(pid), 'cgroup'));
}

/** Starts a secure-port FakeKubelet (token auth) with the payments pod. */
export async function startWorld(options: { readOnly?: boolean } = {}): Promise<KubeletWorld> {
  const kubelet = new FakeKubelet({ nodeName: 'node-a', readOnly: options.readOnly });
  await kubelet.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-k8s-'));
  const procRoot = path.join(dir, 'proc');
  mkdirSync(procRoot);
  const tokenPath = path.join(dir, 'token');
  const caPath = path.join(dir, 'kubelet-ca.crt');
  writeFileSync(tokenPath, 'agent-sa-token\n');
  writeFileSync(caPath, kubelet.caPem);
  kubelet.acceptedTokens.add('agent-sa-token');
  const pod = paymentsPod();
  kubelet.addPod(pod);
  const attestors: K8sWorkloadAttestor[] = [];
  return {
    kubelet,
    dir,
    procRoot,
    tokenPath,
    caPath,
    pod,
    attestors,
    async stop() {
      for (const a of attestors) a.close();
      await kubelet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An attestor aimed at the world's kubelet (secure port, token auth) with fast polling, plus overrides. */
export function attestor(
  world: KubeletWorld,
  data: PluginData = {},
  env: NodeJS.ProcessEnv = {},
): K8sWorkloadAttestor {
  const port = world.kubelet.url.startsWith('https')
    ? { kubelet_secure_port: world.kubelet.port, kubelet_ca_path: world.caPath, token_path: world.tokenPath }
    : { kubelet_read_only_port: world.kubelet.port };
  const config = parseK8sConfig(
    {
      ...port,
      node_name: 'node-a',
      kubelet_host: '127.0.0.1',
      max_poll_attempts: 3,
      poll_retry_interval: '20ms',
      ...data,
    },
    env,
  );
  const created = new K8sWorkloadAttestor(config, { logger: silentLogger, procRoot: world.procRoot });
  world.attestors.push(created);
  return created;
}

/** The selector strings, for compact assertions. */
export function values(selectors: { type: string; value: string }[]): string[] {
  return selectors.map((s) => `${s.type}:${s.value}`);
}
