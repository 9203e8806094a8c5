import { randomUUID } from 'node:crypto';

/** `metadata` of a Kubernetes object, as far as the attestors read it. */
export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  creationTimestamp?: string;
}

/** One entry of `status.containerStatuses` / `status.initContainerStatuses`. */
export interface KubeContainerStatus {
  name: string;
  image: string;
  imageID: string;
  /** `<runtime>://<64 hex>`; empty while the container is still being created. */
  containerID?: string;
  ready: boolean;
  restartCount: number;
  state: Record<string, unknown>;
}

/** A `v1.Pod` in the shape the API server and the kubelet serve it (fields the attestors use). */
export interface KubePod {
  kind: 'Pod';
  apiVersion: 'v1';
  metadata: KubeObjectMeta;
  spec: { nodeName: string; serviceAccountName: string; containers: { name: string; image: string }[] };
  status: {
    phase: string;
    hostIP?: string;
    podIP?: string;
    containerStatuses?: KubeContainerStatus[];
    initContainerStatuses?: KubeContainerStatus[];
  };
}

/** A `v1.Node` (fields the attestors use). */
export interface KubeNode {
  kind: 'Node';
  apiVersion: 'v1';
  metadata: KubeObjectMeta;
  status: { addresses: { type: string; address: string }[] };
}

/** Container description for {@link makePod}. */
export interface FakeContainer {
  name: string;
  image: string;
  /** 64 hex digits; omit to model a container that has not started yet. */
  id?: string;
  /** Default `containerd`. */
  runtime?: 'containerd' | 'cri-o' | 'docker';
}

/** Options for {@link makePod}. */
export interface MakePodOptions {
  name: string;
  namespace: string;
  serviceAccount: string;
  nodeName: string;
  uid?: string;
  hostIP?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string; uid?: string };
  containers?: FakeContainer[];
  initContainers?: FakeContainer[];
}

function imageId(image: string): string {
  const repo = image.replace(/:[^/:]+$/, '');
  const digest = Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64);
  return `${repo}@sha256:${digest}`;
}

function containerStatus(c: FakeContainer): KubeContainerStatus {
  return {
    name: c.name,
    image: c.image,
    imageID: c.id ? imageId(c.image) : '',
    ...(c.id ? { containerID: `${c.runtime ?? 'containerd'}://${c.id}` } : {}),
    ready: c.id !== undefined,
    restartCount: 0,
    state: c.id
      ? { running: { startedAt: '2026-01-01T00:00:00Z' } }
      : { waiting: { reason: 'ContainerCreating' } },
  };
}

/** Builds a running pod object with container statuses (image IDs derived from the image names). */
export function makePod(options: MakePodOptions): KubePod {
  const containers = options.containers ?? [];
  const owner = options.owner;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      uid: options.uid ?? randomUUID(),
      labels: options.labels ?? {},
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: owner.uid ?? randomUUID(),
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: options.nodeName,
      serviceAccountName: options.serviceAccount,
      containers: containers.map((c) => ({ name: c.name, image: c.image })),
    },
    status: {
      phase: 'Running',
      hostIP: options.hostIP ?? '10.0.0.10',
      podIP: '10.244.0.17',
      containerStatuses: containers.map(containerStatus),
      ...(options.initContainers
        ? { initContainerStatuses: options.initContainers.map(containerStatus) }
        : {}),
    },
  };
}

/** Builds a node object with an InternalIP address. */
export function makeNode(options: {
  name: string;
  uid?: string;
  labels?: Record<string, string>;
  internalIP?: string;
}): KubeNode {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: options.name, uid: options.uid ?? randomUUID(), labels: options.labels ?? {} },
    status: { addresses: [{ type: 'InternalIP', address: options.internalIP ?? '10.0.0.10' }] },
  };
}

/** A `meta.v1.Status` failure body, as the API server and kubelet send with 4xx/5xx answers. */
export function kubeStatus(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
