/** `Notifier "k8sbundle"` and `BundlePublisher "k8s_configmap"` as the server config reads them. */
import { parseServerConfig } from '../../src/config';
import { minimalServerConf } from '../config-fixtures';

function plugins(block: string) {
  return parseServerConfig(minimalServerConf('', block)).config.plugins.kubeBundle;
}

function refusal(block: string): string {
  try {
    parseServerConfig(minimalServerConf('', block));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('Notifier "k8sbundle" config', () => {
  it("takes SPIRE's defaults for an empty plugin_data: spire/spire-bundle, key bundle.crt, in-cluster", () => {
    expect(plugins('Notifier "k8sbundle" { plugin_data {} }')).toEqual({
      k8sBundle: [
        [
          {
            namespace: 'spire',
            configMap: 'spire-bundle',
            configMapKey: 'bundle.crt',
            webhookLabel: undefined,
            apiServiceLabel: undefined,
            kubeConfigFilePath: undefined,
          },
        ],
      ],
      k8sConfigMap: [],
    });
  });

  it('reads every key, and extra clusters that each name a kubeconfig', () => {
    const [clusters] =
      plugins(`Notifier "k8sbundle" {
    plugin_data {
      namespace = "infra"
      config_map = "agents"
      config_map_key = "bootstrap.crt"
      webhook_label = "spiffe.io/webhook"
      api_service_label = "spiffe.io/api_service"
      kube_config_file_path = "/etc/kube/local"
      clusters = [{ kube_config_file_path = "/cluster2" }, { kube_config_file_path = "/cluster3", namespace = "x" }]
    }
  }`).k8sBundle ?? [];
    expect(clusters.map((c) => [c.namespace, c.configMap, c.kubeConfigFilePath])).toEqual([
      ['infra', 'agents', '/etc/kube/local'],
      ['spire', 'spire-bundle', '/cluster2'],
      ['x', 'spire-bundle', '/cluster3'],
    ]);
    expect(clusters[0]).toMatchObject({
      webhookLabel: 'spiffe.io/webhook',
      apiServiceLabel: 'spiffe.io/api_service',
    });
  });

  it('with only clusters, writes only to them', () => {
    const [clusters] =
      plugins('Notifier "k8sbundle" { plugin_data { clusters = [{ kube_config_file_path = "/c2" }] } }')
        .k8sBundle ?? [];
    expect(clusters.map((c) => c.kubeConfigFilePath)).toEqual(['/c2']);
  });

  it('reports unknown keys, a cluster without a kubeconfig and unknown notifiers', () => {
    expect(refusal('Notifier "k8sbundle" { plugin_data { config_mapp = "x" } }')).toMatch(/config_mapp/);
    expect(refusal('Notifier "k8sbundle" { plugin_data { clusters = [{ namespace = "x" }] } }')).toContain(
      'cluster configuration is missing kube_config_file_path',
    );
    expect(refusal('Notifier "gcs_bundle" { plugin_data {} }')).toContain(
      'no built-in plugin "gcs_bundle" for type "Notifier"',
    );
    expect(refusal('CredentialComposer "uniqueid" { plugin_data {} }')).toContain(
      'CredentialComposer plugins are not supported by Lanyard',
    );
  });
});

describe('BundlePublisher "k8s_configmap" config', () => {
  it('reads each cluster of the clusters map', () => {
    const { k8sConfigMap } = plugins(`BundlePublisher "k8s_configmap" {
    plugin_data {
      clusters = {
        "one" = { configmap_name = "example.org", configmap_key = "bundle", namespace = "spire", format = "spiffe", refresh_hint = "1h" }
      }
    }
  }`);
    expect(k8sConfigMap).toEqual([
      [
        {
          id: 'one',
          namespace: 'spire',
          configMapName: 'example.org',
          configMapKey: 'bundle',
          format: 'spiffe',
          refreshHintSeconds: 3600,
          kubeconfigPath: undefined,
        },
      ],
    ]);
  });

  it('requires the name, key, namespace and a known format', () => {
    const message = refusal(`BundlePublisher "k8s_configmap" {
    plugin_data { clusters = { "one" = { format = "yaml" } } }
  }`);
    for (const wanted of [
      'configmap_name is required',
      'configmap_key is required',
      'namespace is required',
      'format',
    ]) {
      expect(message).toContain(wanted);
    }
  });
});
