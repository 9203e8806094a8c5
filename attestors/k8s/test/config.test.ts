import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@lanyard/attestor-core';
import { parseK8sConfig, workloadPlugin } from '../src';

describe('k8s workload attestor configuration', () => {
  it('uses SPIRE’s defaults: secure port 10250, service-account token and CA, 60 × 500ms polling', () => {
    expect(parseK8sConfig({}, {})).toEqual({
      scheme: 'https',
      port: 10250,
      host: '127.0.0.1',
      nodeName: undefined,
      kubeletCaPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      skipKubeletVerification: false,
      auth: { kind: 'token', tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      maxPollAttempts: 60,
      pollRetryIntervalMs: 500,
      reloadIntervalMs: 60_000,
      disableContainerSelectors: false,
      verboseContainerLocatorLogs: false,
      procRoot: undefined,
      enableNamespaceLabels: false,
      disableKubeletClient: false,
      apiServerCacheEnabled: false,
    });
  });

  it('takes the node name from MY_NODE_NAME, node_name_env or node_name, and connects to it', () => {
    expect(parseK8sConfig({}, { MY_NODE_NAME: 'node-a' })).toMatchObject({
      nodeName: 'node-a',
      host: 'node-a',
    });
    expect(parseK8sConfig({ node_name_env: 'NODE' }, { NODE: 'node-b', MY_NODE_NAME: 'x' })).toMatchObject({
      nodeName: 'node-b',
    });
    expect(
      parseK8sConfig({ node_name: 'node-c', kubelet_host: '10.0.0.5' }, { MY_NODE_NAME: 'x' }),
    ).toMatchObject({
      nodeName: 'node-c',
      host: '10.0.0.5',
    });
  });

  it('read-only port is plain HTTP without credentials and excludes the secure port', () => {
    expect(parseK8sConfig({ kubelet_read_only_port: 10255 }, {})).toMatchObject({
      scheme: 'http',
      port: 10255,
      auth: { kind: 'anonymous' },
      kubeletCaPath: undefined,
    });
    expect(() => parseK8sConfig({ kubelet_read_only_port: 10255, kubelet_secure_port: 10250 }, {})).toThrow(
      'k8s: plugin_data.kubelet_read_only_port cannot be combined with kubelet_secure_port',
    );
  });

  it('refuses half a client key pair, anonymous plus credentials, bad numbers and durations', () => {
    expect(() => parseK8sConfig({ certificate_path: '/c' }, {})).toThrow(/private_key_path is required/);
    expect(() => parseK8sConfig({ use_anonymous_authentication: true, token_path: '/t' }, {})).toThrow(
      /use_anonymous_authentication cannot be combined/,
    );
    expect(() => parseK8sConfig({ max_poll_attempts: 0 }, {})).toThrow(
      /max_poll_attempts must be greater than zero/,
    );
    expect(() => parseK8sConfig({ poll_retry_interval: '5' }, {})).toThrow(
      /plugin_data.poll_retry_interval: invalid duration "5"/,
    );
    expect(() => parseK8sConfig({ kubelet_secure_port: 70000 }, {})).toThrow(
      /kubelet_secure_port must be a port/,
    );
  });

  it('names SPIRE keys Lanyard does not implement, and unknown keys', () => {
    expect(() => parseK8sConfig({ sigstore: {} }, {})).toThrow(
      /k8s: plugin_data.sigstore is not supported by lanyard: it has no Sigstore verifier .*k8s:container-image/,
    );
    expect(() => parseK8sConfig({ experimental: { broker: { access_policy: 'enforced' } } }, {})).toThrow(
      'k8s: plugin_data.experimental.broker is not supported by lanyard: the agent has no SPIFFE Broker API',
    );
    expect(() => parseK8sConfig({ experimental: { api_server: { cache: { enabled: 'yes' } } } }, {})).toThrow(
      /experimental.api_server.cache.enabled/,
    );
    expect(() => parseK8sConfig({ use_new_container_locator: false }, {})).toThrow(/cannot be false/);
    expect(() => parseK8sConfig({ kubelet_port: 1 }, {})).toThrow(
      'k8s: unknown configuration detected: section "k8s plugin_data": keys kubelet_port',
    );
  });

  it('registers as WorkloadAttestor "k8s"', async () => {
    const attestor = await workloadPlugin.create(
      { skip_kubelet_verification: true },
      { logger: silentLogger, procRoot: '/nonexistent' },
    );
    expect(attestor.name).toBe('k8s');
    await expect(attestor.attest({ pid: 1, uid: 0, gid: 0 })).rejects.toThrow(
      'k8s: process 1 exited before attestation',
    );
  });

  it('proc_root overrides the agent’s proc root (a host /proc mounted elsewhere)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-k8s-proc-'));
    try {
      mkdirSync(path.join(dir, '5'));
      writeFileSync(path.join(dir, '5', 'cgroup'), '0::/user.slice\n');
      const attestor = await workloadPlugin.create(
        { skip_kubelet_verification: true, proc_root: dir },
        { logger: silentLogger, procRoot: '/nonexistent' },
      );
      await expect(attestor.attest({ pid: 5, uid: 0, gid: 0 })).resolves.toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
