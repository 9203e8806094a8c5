import type { Selector } from '@lanyard/attestor-core';
import { k8sSelector } from './shared';

/** One container status as the kubelet reports it. */
export interface ContainerStatus {
  readonly name?: string;
  readonly image?: string;
  readonly imageID?: string;
  /** `<runtime>://<id>`; empty while the container is being created. */
  readonly containerID?: string;
}

/** The fields of a `v1.Pod` in the kubelet's `/pods` list that the attestor reads. */
export interface KubeletPod {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Record<string, string>;
    readonly ownerReferences?: { readonly kind?: string; readonly name?: string; readonly uid?: string }[];
  };
  readonly spec?: { readonly nodeName?: string; readonly serviceAccountName?: string };
  readonly status?: {
    readonly containerStatuses?: ContainerStatus[];
    readonly initContainerStatuses?: ContainerStatus[];
  };
}

/** The container with `containerId` among the pod's containers and init containers, if it has started. */
export function findContainer(pod: KubeletPod, containerId: string): ContainerStatus | undefined {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return statuses.find((status) => {
    const id = status.containerID ?? '';
    const sep = id.indexOf('://');
    return sep > 0 && id.slice(sep + 3) === containerId;
  });
}

/** Image and image ID of each status, without duplicates or empties (SPIRE emits both forms). */
function imageIdentifiers(statuses: readonly ContainerStatus[]): string[] {
  const set = new Set<string>();
  for (const status of statuses) {
    if (status.imageID) set.add(status.imageID);
    if (status.image) set.add(status.image);
  }
  return [...set].sort();
}

function sortedEntries(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Pod-level selectors: `sa`, `ns`, `node-name`, `pod-uid`, `pod-name`, image counts, images, labels, owners. */
export function podSelectors(pod: KubeletPod): Selector[] {
  const containers = pod.status?.containerStatuses ?? [];
  const inits = pod.status?.initContainerStatuses ?? [];
  const selectors = [
    k8sSelector('sa', pod.spec?.serviceAccountName ?? ''),
    k8sSelector('ns', pod.metadata?.namespace ?? ''),
    k8sSelector('node-name', pod.spec?.nodeName ?? ''),
    k8sSelector('pod-uid', pod.metadata?.uid ?? ''),
    k8sSelector('pod-name', pod.metadata?.name ?? ''),
    k8sSelector('pod-image-count', String(containers.length)),
    k8sSelector('pod-init-image-count', String(inits.length)),
    ...imageIdentifiers(containers).map((image) => k8sSelector('pod-image', image)),
    ...imageIdentifiers(inits).map((image) => k8sSelector('pod-init-image', image)),
    ...sortedEntries(pod.metadata?.labels).map(([k, v]) => k8sSelector('pod-label', k, v)),
  ];
  for (const owner of pod.metadata?.ownerReferences ?? []) {
    selectors.push(k8sSelector('pod-owner', owner.kind ?? '', owner.name ?? ''));
    selectors.push(k8sSelector('pod-owner-uid', owner.kind ?? '', owner.uid ?? ''));
  }
  return selectors;
}

/** Container-level selectors: `container-name` and `container-image` (tag and digest forms). */
export function containerSelectors(status: ContainerStatus): Selector[] {
  return [
    k8sSelector('container-name', status.name ?? ''),
    ...imageIdentifiers([status]).map((image) => k8sSelector('container-image', image)),
  ];
}
