import { json, type FakeResponse } from '../cloud/http-fake';
import type { RecordedRequest } from '../loopback-fake';
import { kubeStatus } from './kube-model';

/** Any stored Kubernetes object: `metadata` plus whatever the kind carries (`data`, `webhooks`, `spec`, …). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A resource the fake serves: its URL prefix, kind, and whether objects live in a namespace. */
interface Resource {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
}

const RESOURCES: readonly Resource[] = [
  { group: '/api/v1', plural: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', namespaced: true },
  { group: '/api/v1', plural: 'namespaces', kind: 'Namespace', apiVersion: 'v1', namespaced: false },
  {
    group: '/apis/admissionregistration.k8s.io/v1',
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
  },
  {
    group: '/apis/admissionregistration.k8s.io/v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
  },
  {
    group: '/apis/apiregistration.k8s.io/v1',
    plural: 'apiservices',
    kind: 'APIService',
    apiVersion: 'apiregistration.k8s.io/v1',
    namespaced: false,
  },
];

const MERGE_PATCH = 'application/merge-patch+json';

/** The resource, namespace and name a request path addresses, or undefined when it is not one of ours. */
function parsePath(path: string): { resource: Resource; namespace?: string; name?: string } | undefined {
  for (const resource of RESOURCES) {
    const ns = resource.namespaced ? '/namespaces/([^/]+)' : '';
    const m = new RegExp(`^${resource.group}${ns}/${resource.plural}(?:/([^/]+))?$`).exec(path);
    if (!m) continue;
    const [namespace, name] = resource.namespaced ? [m[1], m[2]] : [undefined, m[1]];
    return {
      resource,
      namespace: namespace && decodeURIComponent(namespace),
      name: name && decodeURIComponent(name),
    };
  }
  return undefined;
}

/** RFC 7386 JSON merge patch: objects merge key by key, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** `key=value` / `key` terms of a `labelSelector` (equality only, as the notifier sends). */
function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return value === undefined ? labels?.[key] !== undefined : labels?.[key] === value;
  });
}

function notFound(resource: Resource, name: string): FakeResponse {
  return json(404, kubeStatus(404, 'NotFound', `${resource.plural} "${name}" not found`));
}

/**
 * ConfigMaps, Namespaces, Mutating/ValidatingWebhookConfigurations and APIServices as the API server keeps them:
 * GET, LIST (with an equality `labelSelector`), POST (create; 409 AlreadyExists) and PATCH with
 * `application/merge-patch+json`, checked against `metadata.resourceVersion` when the patch carries one (409
 * Conflict, as optimistic concurrency works). Every write bumps the object's `resourceVersion`.
 */
export class KubeObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private version = 1;
  /** Every successful write, in order: `PATCH configmaps spire/spire-bundle`, … */
  readonly writes: string[] = [];

  private key(resource: Resource, namespace: string | undefined, name: string): string {
    return `${resource.plural}/${namespace ?? ''}/${name}`;
  }

  /** Adds or replaces an object (its kind picks the resource); returns the stored copy. */
  put(object: KubeObject): KubeObject {
    const resource = RESOURCES.find((r) => r.kind === object.kind);
    if (!resource) throw new Error(`the fake does not serve kind ${object.kind}`);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.version++);
    this.objects.set(this.key(resource, stored.metadata.namespace, stored.metadata.name), stored);
    return structuredClone(stored);
  }

  /** A copy of the stored object, or undefined. */
  get(kind: string, name: string, namespace?: string): KubeObject | undefined {
    const resource = RESOURCES.find((r) => r.kind === kind);
    const found = resource && this.objects.get(this.key(resource, namespace, name));
    return found && structuredClone(found);
  }

  /** Answers a request for one of the served resources; undefined when the path is not one. */
  handle(req: RecordedRequest): FakeResponse | undefined {
    const target = parsePath(req.path);
    if (!target) return undefined;
    const { resource, namespace, name } = target;
    if (name === undefined) {
      if (req.method === 'GET') return this.list(resource, namespace, new URLSearchParams(req.query));
      if (req.method === 'POST') return this.create(resource, namespace, req.body);
    } else {
      if (req.method === 'GET') {
        const found = this.get(resource.kind, name, namespace);
        return found ? json(200, found) : notFound(resource, name);
      }
      if (req.method === 'PATCH') return this.patch(resource, namespace, name, req);
    }
    return json(405, kubeStatus(405, 'MethodNotAllowed', `${req.method} is not allowed here`));
  }

  private list(resource: Resource, namespace: string | undefined, query: URLSearchParams): FakeResponse {
    const items = [...this.objects.values()].filter(
      (o) =>
        o.kind === resource.kind &&
        (namespace === undefined || o.metadata.namespace === namespace) &&
        matchesSelector(o.metadata.labels, query.get('labelSelector')),
    );
    return json(200, {
      apiVersion: resource.apiVersion,
      kind: `${resource.kind}List`,
      metadata: { resourceVersion: String(this.version) },
      items,
    });
  }

  private create(resource: Resource, namespace: string | undefined, body: string): FakeResponse {
    const object = JSON.parse(body) as KubeObject;
    const name = object.metadata?.name;
    if (object.kind !== resource.kind || !name) {
      return json(400, kubeStatus(400, 'BadRequest', `expected a ${resource.kind} with metadata.name`));
    }
    if (this.objects.has(this.key(resource, namespace, name))) {
      return json(409, kubeStatus(409, 'AlreadyExists', `${resource.plural} "${name}" already exists`));
    }
    this.writes.push(`POST ${resource.plural} ${namespace ? `${namespace}/` : ''}${name}`);
    return json(201, this.put({ ...object, metadata: { ...object.metadata, namespace } }));
  }

  private patch(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    req: RecordedRequest,
  ): FakeResponse {
    if (req.headers['content-type'] !== MERGE_PATCH) {
      return json(415, kubeStatus(415, 'UnsupportedMediaType', `the fake applies only ${MERGE_PATCH}`));
    }
    const current = this.objects.get(this.key(resource, namespace, name));
    if (!current) return notFound(resource, name);
    const patch = JSON.parse(req.body) as { metadata?: { resourceVersion?: string } };
    const wanted = patch.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
      return json(
        409,
        kubeStatus(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      );
    }
    this.writes.push(`PATCH ${resource.plural} ${namespace ? `${namespace}/` : ''}${name}`);
    return json(200, this.put(mergePatch(current, patch) as KubeObject));
  }
}
