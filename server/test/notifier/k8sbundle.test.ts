/**
 * `Notifier "k8sbundle"` and `BundlePublisher "k8s_configmap"` against a loopback Kubernetes API: a real server
 * keeps the trust bundle in a ConfigMap and in labelled webhook and APIService CA bundles, on start and on every
 * bundle change, through conflicts and API failures.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { FakeKubeApi, type KubeObject } from '@lanyard/test-support';
import { parseServerConfig } from '../../src/config';
import { TD, rpc, startTestServer, type TestServer } from '../api/harness';
import { waitFor } from '../federation/helpers';

jest.setTimeout(120_000);
const WAIT_MS = 60_000;

let dir: string;
let api: FakeKubeApi;
let kubeconfig: string;

function webhookConfig(kind: string, name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name, labels },
    webhooks: ['a.example.org', 'b.example.org'].map((hook) => ({
      name: hook,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { service: { name: 'svc', namespace: 'default' }, caBundle: 'c3RhbGU=' },
    })),
  };
}

/** The server config's plugins block with a k8sbundle notifier (and what else `extra` adds). */
function pluginsConf(pluginData: string, extra = ''): string {
  return `server {
  trust_domain = "${TD}"
  data_dir = "${dir}"
}
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3"  connection_string = "${dir}/ds.sqlite3" } }
  KeyManager "memory" { plugin_data {} }
  Notifier "k8sbundle" { plugin_data { ${pluginData} } }
  ${extra}
}`;
}

async function serverWith(pluginData: string, extra = ''): Promise<TestServer> {
  const { config } = parseServerConfig(pluginsConf(pluginData, extra));
  return startTestServer({ kubeBundle: config.plugins.kubeBundle, kubeBundleResyncMs: 1000 });
}

/** The DER roots of the server's stored bundle. */
async function storedRoots(ts: TestServer): Promise<string[]> {
  const bundle = await ts.server.datastore.getBundle(TD);
  return (bundle?.x509Authorities ?? []).map((c) => c.raw.toString('base64'));
}

function pemRoots(pem: string | undefined): string[] {
  return [...(pem ?? '').matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map((m) =>
    new X509Certificate(m[0]).raw.toString('base64'),
  );
}

function configMapData(name = 'spire-bundle', namespace = 'spire'): Record<string, string> | undefined {
  return api.objects.get('ConfigMap', name, namespace)?.data as Record<string, string> | undefined;
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanyard-k8sbundle-'));
  api = new FakeKubeApi();
  await api.start();
  kubeconfig = path.join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, api.kubeconfig(), { mode: 0o600 });
});

afterEach(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Notifier "k8sbundle"', () => {
  it('keeps the ConfigMap, labelled webhooks and APIServices in step with the bundle, from start and on change', async () => {
    api.objects.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'spire-bundle', namespace: 'spire' },
    });
    api.objects.put(
      webhookConfig('MutatingWebhookConfiguration', 'mutating', { 'spiffe.io/webhook': 'true' }),
    );
    api.objects.put(
      webhookConfig('ValidatingWebhookConfiguration', 'validating', { 'spiffe.io/webhook': 'true' }),
    );
    api.objects.put(webhookConfig('ValidatingWebhookConfiguration', 'unlabelled', {}));
    api.objects.put({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1.example.org', labels: { 'spiffe.io/api_service': 'true' } },
      spec: { group: 'example.org', version: 'v1', groupPriorityMinimum: 100, versionPriority: 10 },
    });
    const ts = await serverWith(
      `kube_config_file_path = "${kubeconfig}"
       webhook_label = "spiffe.io/webhook"
       api_service_label = "spiffe.io/api_service"`,
    );
    try {
      const roots = await storedRoots(ts);
      await waitFor(
        'the bundle in the ConfigMap',
        () => (pemRoots(configMapData()?.['bundle.crt']).join() === roots.join() ? true : undefined),
        WAIT_MS,
      );
      const caBundle = (o: KubeObject | undefined): string[] =>
        ((o?.webhooks as { clientConfig: { caBundle: string } }[]) ?? []).map((w) =>
          Buffer.from(w.clientConfig.caBundle, 'base64').toString(),
        );
      await waitFor(
        'the bundle in the labelled webhooks',
        () => {
          const hooks = [
            ...caBundle(api.objects.get('MutatingWebhookConfiguration', 'mutating')),
            ...caBundle(api.objects.get('ValidatingWebhookConfiguration', 'validating')),
          ];
          return hooks.length === 4 && hooks.every((pem) => pemRoots(pem).join() === roots.join())
            ? true
            : undefined;
        },
        WAIT_MS,
      );
      const apiService = (): { caBundle?: string; groupPriorityMinimum?: number } =>
        api.objects.get('APIService', 'v1.example.org')?.spec as { caBundle?: string };
      await waitFor(
        'the bundle in the APIService',
        () =>
          pemRoots(Buffer.from(apiService().caBundle ?? '', 'base64').toString()).join() === roots.join()
            ? true
            : undefined,
        WAIT_MS,
      );
      expect(apiService().groupPriorityMinimum).toBe(100);
      expect(caBundle(api.objects.get('ValidatingWebhookConfiguration', 'unlabelled'))).toEqual([
        'stale',
        'stale',
      ]);

      // A new authority changes the bundle: everything follows.
      await rpc((cb) => ts.admin.localAuthority.PrepareX509Authority({}, cb));
      const grown = await waitFor(
        'a second root',
        async () => {
          const now = await storedRoots(ts);
          return now.length === roots.length + 1 ? now : undefined;
        },
        WAIT_MS,
      );
      await waitFor(
        'the new bundle in the ConfigMap',
        () => (pemRoots(configMapData()?.['bundle.crt']).join() === grown.join() ? true : undefined),
        WAIT_MS,
      );
      await waitFor(
        'the new bundle in the APIService',
        () =>
          pemRoots(Buffer.from(apiService().caBundle ?? '', 'base64').toString()).join() === grown.join()
            ? true
            : undefined,
        WAIT_MS,
      );
    } finally {
      await ts.stop();
    }
  });

  it('retries after conflicts and API failures, and repairs a ConfigMap edited by hand', async () => {
    api.objects.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'agents', namespace: 'infra' },
    });
    // Another writer changes the ConfigMap between our read and our patch, once.
    let raced = false;
    api.beforeRespond = (req) => {
      if (req.method === 'PATCH' && !raced) {
        raced = true;
        api.objects.put({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'agents', namespace: 'infra' },
          data: { other: 'kept' },
        });
      }
    };
    api.failNext({ status: 503, body: '{"kind":"Status","code":503}', headers: {} }, 2);
    const ts = await serverWith(
      `namespace = "infra"
       config_map = "agents"
       config_map_key = "bootstrap.crt"
       kube_config_file_path = "${kubeconfig}"`,
    );
    try {
      const roots = await storedRoots(ts);
      await waitFor(
        'the bundle in infra/agents',
        () =>
          pemRoots(configMapData('agents', 'infra')?.['bootstrap.crt']).join() === roots.join()
            ? true
            : undefined,
        WAIT_MS,
      );
      expect(raced).toBe(true);
      expect(configMapData('agents', 'infra')?.other).toBe('kept');
      expect(api.requests.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(2);

      api.objects.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'agents', namespace: 'infra' },
        data: { 'bootstrap.crt': 'hand-copied and stale' },
      });
      await waitFor(
        'the resync to repair the ConfigMap',
        () =>
          pemRoots(configMapData('agents', 'infra')?.['bootstrap.crt']).join() === roots.join()
            ? true
            : undefined,
        WAIT_MS,
      );
    } finally {
      await ts.stop();
    }
  });

  it('refuses to start when the cluster cannot be configured, naming the kubeconfig', async () => {
    await expect(serverWith(`kube_config_file_path = "${path.join(dir, 'missing.yaml')}"`)).rejects.toThrow(
      /missing\.yaml/,
    );
  });
});

describe('BundlePublisher "k8s_configmap"', () => {
  it('creates the ConfigMaps of each cluster in the configured format', async () => {
    const publisher = `BundlePublisher "k8s_configmap" {
    plugin_data {
      clusters = {
        "pem-cluster" = { configmap_name = "td-pem", configmap_key = "bundle", namespace = "spire", kubeconfig_path = "${kubeconfig}", format = "pem" }
        "spiffe-cluster" = { configmap_name = "td-spiffe", configmap_key = "bundle", namespace = "spire", kubeconfig_path = "${kubeconfig}", format = "spiffe", refresh_hint = "10m" }
        "jwks-cluster" = { configmap_name = "td-jwks", configmap_key = "bundle", namespace = "spire", kubeconfig_path = "${kubeconfig}", format = "jwks" }
      }
    }
  }`;
    api.objects.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'spire-bundle', namespace: 'spire' },
    });
    const ts = await serverWith(`kube_config_file_path = "${kubeconfig}"`, publisher);
    try {
      const roots = await storedRoots(ts);
      const pem = await waitFor('the pem ConfigMap', () => configMapData('td-pem')?.bundle, WAIT_MS);
      expect(pemRoots(pem)).toEqual(roots);
      const spiffe = await waitFor('the spiffe ConfigMap', () => configMapData('td-spiffe')?.bundle, WAIT_MS);
      const parsed = SpiffeBundle.parse(TrustDomain.parse(TD), spiffe);
      expect(parsed.refreshHint).toBe(600);
      expect(parsed.x509Authorities.map((c) => c.raw.toString('base64'))).toEqual(roots);
      const jwks = JSON.parse(
        await waitFor('the jwks ConfigMap', () => configMapData('td-jwks')?.bundle, WAIT_MS),
      ) as {
        keys: Record<string, unknown>[];
        spiffe_sequence?: number;
      };
      expect(jwks.spiffe_sequence).toBeUndefined();
      expect(jwks.keys.length).toBe(parsed.x509Authorities.length + parsed.jwtAuthorities.size);
      expect(jwks.keys.every((k) => k.use === undefined)).toBe(true);
      expect(api.objects.writes).toEqual(expect.arrayContaining(['POST configmaps spire/td-pem']));
    } finally {
      await ts.stop();
    }
  });
});
