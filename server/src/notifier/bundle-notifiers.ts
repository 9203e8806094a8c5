/**
 * The server's Kubernetes bundle publishing: every configured `Notifier "k8sbundle"` and
 * `BundlePublisher "k8s_configmap"` cluster becomes a set of {@link BundleTarget}s, each written when the server
 * starts, whenever the stored trust bundle changes (CA rotation, bundle API, pruning), and on a periodic resync that
 * also reaches webhooks and APIServices labelled after the last change.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import { KubeApiClient, inClusterConnection } from '@lanyard/attestor-core';
import { loadKubeconfig } from '@lanyard/attestor-core/server';
import type { SpiffeBundle } from '@lanyard/spiffe';
import { encodeBundle } from './bundle-formats';
import type { K8sBundleCluster, K8sConfigMapCluster, KubeBundlePlugins } from './k8s-settings';
import { apiServiceTarget, configMapTarget, webhookTargets, type BundleTarget } from './k8s-targets';
import { TargetRunner } from './target-runner';

/** Default period of the resync. */
export const DEFAULT_RESYNC_MS = 60_000;

/** Opens an API client for a kubeconfig file, or in-cluster when there is none. */
export type KubeConnector = (kubeconfigPath: string | undefined) => Promise<KubeApiClient>;

const connectKube: KubeConnector = async (path) =>
  new KubeApiClient(path ? await loadKubeconfig(path) : await inClusterConnection());

function notifierTargets(client: KubeApiClient, c: K8sBundleCluster): BundleTarget[] {
  return [
    configMapTarget(client, c.namespace, c.configMap, c.configMapKey),
    ...(c.webhookLabel ? webhookTargets(client, c.webhookLabel) : []),
    ...(c.apiServiceLabel ? [apiServiceTarget(client, c.apiServiceLabel)] : []),
  ];
}

function publisherTarget(client: KubeApiClient, c: K8sConfigMapCluster): BundleTarget {
  return configMapTarget(client, c.namespace, c.configMapName, c.configMapKey, {
    create: true,
    encode: (bundle) => encodeBundle(bundle, c.format, c.refreshHintSeconds),
  });
}

/** Runs the targets of all configured Kubernetes bundle plugins. */
export class BundleNotifiers {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly runners: readonly TargetRunner[],
    private readonly clients: readonly KubeApiClient[],
  ) {}

  /**
   * Connects to every configured cluster (kubeconfig or in-cluster credentials).
   * @throws the connection error (missing in-cluster files, bad kubeconfig): the server does not start, as SPIRE.
   */
  static async create(
    plugins: KubeBundlePlugins,
    currentBundle: () => Promise<SpiffeBundle | undefined>,
    logger: PluginLogger,
    connect: KubeConnector = connectKube,
  ): Promise<BundleNotifiers> {
    const clients = new Map<string, KubeApiClient>();
    const client = async (path: string | undefined): Promise<KubeApiClient> => {
      const key = path ?? '';
      const found = clients.get(key) ?? (await connect(path));
      clients.set(key, found);
      return found;
    };
    const runners: TargetRunner[] = [];
    try {
      for (const clusters of plugins.k8sBundle ?? []) {
        for (const c of clusters) {
          const targets = notifierTargets(await client(c.kubeConfigFilePath), c);
          runners.push(...targets.map((t) => new TargetRunner(t, 'k8sbundle', currentBundle, logger)));
        }
      }
      for (const clusters of plugins.k8sConfigMap ?? []) {
        for (const c of clusters) {
          const target = publisherTarget(await client(c.kubeconfigPath), c);
          runners.push(new TargetRunner(target, 'k8s_configmap', currentBundle, logger));
        }
      }
    } catch (err) {
      for (const c of clients.values()) c.close();
      throw err;
    }
    return new BundleNotifiers(runners, [...clients.values()]);
  }

  /** Where the bundle goes, for logs and tests. */
  get targets(): string[] {
    return this.runners.map((r) => r.target.description);
  }

  /** Writes every target now and then every `resyncMs`. */
  start(resyncMs = DEFAULT_RESYNC_MS): void {
    this.bundleChanged();
    this.timer = setInterval(() => this.bundleChanged(), resyncMs);
    this.timer.unref();
  }

  /** The stored bundle changed: write it everywhere. */
  bundleChanged(): void {
    for (const runner of this.runners) runner.trigger();
  }

  /** Resolves once no write is running. */
  async idle(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.idle()));
  }

  /** Stops the resync and the retries, waits for writes in progress, closes the API clients. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const runner of this.runners) runner.stop();
    await this.idle();
    for (const client of this.clients) client.close();
  }
}
