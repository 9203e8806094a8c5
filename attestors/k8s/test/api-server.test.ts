/**
 * The `k8s` options that involve the API server or turn the kubelet off: `enable_namespace_labels` (against
 * FakeKubeApi, reached with in-cluster credentials), `disable_kubelet_client` and `experimental`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { inClusterConnection, silentLogger, type PluginData } from '@lanyard/attestor-core';
import { FailedPreconditionError, InternalError, InvalidArgumentError } from '@lanyard/base';
import { FakeKubeApi } from '@lanyard/test-support';
import { K8sWorkloadAttestor, parseK8sConfig } from '../src';
import { type KubeletWorld, placeProcess, startWorld, values } from './helpers';

let world: KubeletWorld;
let api: FakeKubeApi;
let serviceAccountDir: string;

beforeEach(async () => {
  world = await startWorld();
  api = new FakeKubeApi();
  await api.start();
  serviceAccountDir = path.join(world.dir, 'serviceaccount');
  mkdirSync(serviceAccountDir);
  writeFileSync(path.join(serviceAccountDir, 'token'), api.clientToken);
  writeFileSync(path.join(serviceAccountDir, 'ca.crt'), api.caPem);
});
afterEach(async () => {
  await world.stop();
  await api.stop();
});

const caller = { pid: 4242, uid: 1000, gid: 1000 };

/** An attestor on the world's kubelet whose API server is the fake, reached as a pod would (in-cluster). */
function attestorWith(data: PluginData): K8sWorkloadAttestor {
  const config = parseK8sConfig({
    kubelet_secure_port: world.kubelet.port,
    kubelet_ca_path: world.caPath,
    token_path: world.tokenPath,
    node_name: 'node-a',
    kubelet_host: '127.0.0.1',
    max_poll_attempts: 3,
    poll_retry_interval: '20ms',
    ...data,
  });
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) };
  const created = new K8sWorkloadAttestor(config, {
    logger: silentLogger,
    procRoot: world.procRoot,
    apiServer: () => inClusterConnection({ env, serviceAccountDir }),
  });
  world.attestors.push(created);
  return created;
}

describe('enable_namespace_labels', () => {
  it("adds k8s:ns-label:<key>:<value> for the workload's namespace, read with the service account", async () => {
    api.objects.put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'payments', labels: { team: 'pay', 'kubernetes.io/metadata.name': 'payments' } },
    });
    placeProcess(world, caller.pid, 'containerd-v1-cgroupfs.txt');
    const selectors = values(await attestorWith({ enable_namespace_labels: true }).attest(caller));
    expect(selectors).toEqual(
      expect.arrayContaining([
        'k8s:ns:payments',
        'k8s:ns-label:kubernetes.io/metadata.name:payments',
        'k8s:ns-label:team:pay',
      ]),
    );
    const read = api.requests.find((r) => r.path === '/api/v1/namespaces/payments');
    expect(read?.headers.authorization).toBe(`Bearer ${api.clientToken}`);
  });

  it('adds nothing and asks nobody when off', async () => {
    placeProcess(world, caller.pid, 'containerd-v1-cgroupfs.txt');
    const selectors = values(await attestorWith({}).attest(caller));
    expect(selectors.filter((s) => s.startsWith('k8s:ns-label:'))).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it('fails naming the namespace when the API server cannot tell its labels', async () => {
    placeProcess(world, caller.pid, 'containerd-v1-cgroupfs.txt');
    const attestor = attestorWith({ enable_namespace_labels: true });
    const failure = attestor.attest(caller);
    await expect(failure).rejects.toBeInstanceOf(InternalError);
    await expect(failure).rejects.toThrow(
      /unable to get namespace labels for "payments": namespace "payments" not found/,
    );
  });
});

describe('disable_kubelet_client', () => {
  it('builds no kubelet client: PID attestation fails as in SPIRE, without a kubelet request', async () => {
    const config = parseK8sConfig({ disable_kubelet_client: true });
    const attestor = new K8sWorkloadAttestor(config, { logger: silentLogger, procRoot: world.procRoot });
    placeProcess(world, caller.pid, 'containerd-v1-cgroupfs.txt');
    const failure = attestor.attest(caller);
    await expect(failure).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(failure).rejects.toThrow('kubelet client is disabled');
    expect(world.kubelet.requests).toEqual([]);
    attestor.close();
  });

  it('cannot be combined with kubelet settings', () => {
    expect(() => parseK8sConfig({ disable_kubelet_client: true, node_name: 'n', token_path: '/t' })).toThrow(
      'k8s: plugin_data.disable_kubelet_client cannot be used with token_path, node_name',
    );
    expect(() => parseK8sConfig({ disable_kubelet_client: true, node_name: 'n' })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('experimental', () => {
  it('accepts api_server.cache.enabled (namespace reads stay uncached)', async () => {
    const config = parseK8sConfig({ experimental: { api_server: { cache: { enabled: true } } } });
    expect(config.apiServerCacheEnabled).toBe(true);
  });
});
