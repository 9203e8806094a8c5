import {
  assertCgroupUnchanged,
  type KubeConnection,
  type PluginLogger,
  procCgroupFile,
  readProcCgroup,
  type Selector,
  type WorkloadAttestor,
  type WorkloadCaller,
} from '@lanyard/attestor-core';
import {
  FailedPreconditionError,
  InternalError,
  LanyardError,
  PermissionDeniedError,
  UnavailableError,
} from '@lanyard/base';
import { type ContainerLocation, parseCgroupFile } from './cgroup';
import type { K8sWorkloadConfig } from './config';
import { KubeletClient } from './kubelet-client';
import { NamespaceLabels } from './namespace-labels';
import { containerSelectors, findContainer, type KubeletPod, podSelectors } from './pod';
import { PodListCache } from './pod-list-cache';
import { K8S_PLUGIN_NAME } from './shared';

/** Everything the attestor needs besides its config. */
export interface K8sAttestorDeps {
  readonly logger: PluginLogger;
  readonly procRoot: string;
  /** Where pods come from; the kubelet client by default. */
  readonly listPods?: () => Promise<KubeletPod[]>;
  /** How to reach the API server for `enable_namespace_labels`; in-cluster credentials by default. */
  readonly apiServer?: () => Promise<KubeConnection>;
}

/** The caller's pod and its selectors. */
interface Match {
  readonly pod: KubeletPod;
  readonly selectors: Selector[];
}

/**
 * The `k8s` workload attestor: pid → pod UID and container ID from `<procRoot>/<pid>/cgroup` → the pod in the
 * kubelet's `/pods` list → `k8s:*` selectors. Retries while the container is still starting (up to
 * `max_poll_attempts`, `poll_retry_interval` apart). A process outside any pod container yields `[]`.
 */
export class K8sWorkloadAttestor implements WorkloadAttestor {
  readonly name = K8S_PLUGIN_NAME;
  private readonly cache: PodListCache;
  private readonly kubelet?: KubeletClient;
  private readonly namespaceLabels?: NamespaceLabels;

  constructor(
    private readonly config: K8sWorkloadConfig,
    private readonly deps: K8sAttestorDeps,
  ) {
    if (!deps.listPods && !config.disableKubeletClient) this.kubelet = new KubeletClient(config);
    const list = deps.listPods ?? (() => (this.kubelet as KubeletClient).listPods());
    this.cache = new PodListCache(list, config.pollRetryIntervalMs);
    if (config.enableNamespaceLabels) this.namespaceLabels = new NamespaceLabels(deps.apiServer);
    if (config.apiServerCacheEnabled) {
      deps.logger.warn(
        'k8s: experimental.api_server.cache.enabled is accepted but has no effect: namespace labels are read from the API server on each attestation',
      );
    }
  }

  /** Selectors of the caller's pod and container; `[]` when it is not in a pod container. */
  async attest(caller: WorkloadCaller): Promise<Selector[]> {
    if (this.config.disableKubeletClient) {
      // SPIRE's answer: PID-based attestation needs the kubelet's pod list.
      throw new FailedPreconditionError('kubelet client is disabled', 'ERR_K8S_KUBELET_DISABLED');
    }
    const file = procCgroupFile(this.deps.procRoot, caller.pid);
    const cgroupText = await readProcCgroup(this.deps.procRoot, caller.pid, K8S_PLUGIN_NAME);
    const location = parseCgroupFile(cgroupText, file);
    if (!location) return [];
    if (this.config.verboseContainerLocatorLogs) {
      this.deps.logger.debug('k8s: located container', {
        pid: caller.pid,
        pod_uid: location.podUid,
        container_id: location.containerId,
      });
    }
    const match = await this.poll(location);
    const selectors = [...match.selectors];
    if (this.namespaceLabels) {
      selectors.push(...(await this.namespaceLabels.selectors(match.pod.metadata?.namespace ?? '')));
    }
    await assertCgroupUnchanged(this.deps.procRoot, caller.pid, K8S_PLUGIN_NAME, cgroupText);
    return selectors;
  }

  /** Closes the kubelet connection pool. */
  close(): void {
    this.kubelet?.close();
    this.namespaceLabels?.close();
  }

  private async poll(location: ContainerLocation): Promise<Match> {
    let seen = 0;
    let lastError: LanyardError | undefined;
    for (let attempt = 1; attempt <= this.config.maxPollAttempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, this.config.pollRetryIntervalMs));
      try {
        const snapshot = await this.cache.next(seen);
        seen = snapshot.version;
        lastError = undefined;
        const match = this.match(snapshot.pods, location);
        if (match) return match;
      } catch (error) {
        if (!(error instanceof LanyardError) || error instanceof PermissionDeniedError) throw error;
        if (error instanceof InternalError && error.code === 'ERR_K8S_DUPLICATE_CONTAINER') throw error;
        lastError = error;
      }
    }
    const attempts = this.config.maxPollAttempts;
    if (lastError) {
      throw new UnavailableError(`${lastError.message} (after ${attempts} attempts)`, lastError.code);
    }
    throw new UnavailableError(
      `k8s: no selectors found after ${attempts} poll attempts: container ${location.containerId}` +
        `${location.podUid ? ` of pod ${location.podUid}` : ''} is not in the kubelet pod list`,
      'ERR_K8S_CONTAINER_NOT_FOUND',
    );
  }

  private match(pods: readonly KubeletPod[], location: ContainerLocation): Match | undefined {
    let result: Match | undefined;
    for (const pod of pods) {
      if (location.podUid && pod.metadata?.uid !== location.podUid) continue;
      const status = findContainer(pod, location.containerId);
      let selectors: Selector[] | undefined;
      if (status) {
        selectors = podSelectors(pod);
        if (!this.config.disableContainerSelectors) selectors.push(...containerSelectors(status));
      } else if (location.podUid && this.config.disableContainerSelectors) {
        selectors = podSelectors(pod);
      }
      if (!selectors) continue;
      if (result) {
        throw new InternalError(
          `k8s: two pods found with same container ID ${location.containerId}`,
          'ERR_K8S_DUPLICATE_CONTAINER',
        );
      }
      result = { pod, selectors };
    }
    return result;
  }
}
