/**
 * `enable_namespace_labels`: the labels of a workload's namespace, read from the Kubernetes API server with the
 * agent pod's service account (in-cluster credentials, as SPIRE), as `k8s:ns-label:<key>:<value>` selectors.
 */
import {
  KubeApiClient,
  inClusterConnection,
  type KubeConnection,
  type Selector,
} from '@lanyard/attestor-core';
import { InternalError } from '@lanyard/base';
import { k8sSelector } from './shared';

interface Namespace {
  readonly metadata?: { readonly labels?: Record<string, string> };
}

/** Reads namespace labels; the API client is built on first use (and again after a failed connection). */
export class NamespaceLabels {
  private client: Promise<KubeApiClient> | undefined;

  constructor(private readonly connect: () => Promise<KubeConnection> = () => inClusterConnection()) {}

  /**
   * The `ns-label:<key>:<value>` selectors of `namespace`, sorted.
   * @throws InternalError naming the namespace when the API server cannot be asked or refuses (needs `get` on
   *   `namespaces`).
   */
  async selectors(namespace: string): Promise<Selector[]> {
    let ns: Namespace;
    try {
      const client = await this.apiClient();
      ns = await client.get<Namespace>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
        `namespace "${namespace}"`,
      );
    } catch (err) {
      throw new InternalError(
        `k8s: unable to get namespace labels for "${namespace}": ${(err as Error).message}`,
        'ERR_K8S_NAMESPACE_LABELS',
      );
    }
    return Object.entries(ns.metadata?.labels ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => k8sSelector('ns-label', key, value));
  }

  /** Closes the API connection pool. */
  close(): void {
    void this.client?.then((c) => c.close()).catch(() => undefined);
  }

  private apiClient(): Promise<KubeApiClient> {
    this.client ??= this.connect().then((connection) => new KubeApiClient(connection));
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }
}
