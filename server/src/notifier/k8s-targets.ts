/**
 * The Kubernetes objects that carry the trust bundle, and how each is brought up to date: read, compare, then a
 * JSON merge patch that carries the `resourceVersion` read (so a concurrent writer makes it fail with a conflict,
 * and the write is retried on the fresh object, as client-go's `RetryOnConflict`).
 */
import { AbortedError, AlreadyExistsError, NotFoundError } from '@lanyard/base';
import type { KubeApiClient } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';

/** Metadata of any object read. */
interface ObjectMeta {
  readonly name: string;
  readonly resourceVersion?: string;
}

interface ConfigMap {
  readonly metadata: ObjectMeta;
  readonly data?: Record<string, string>;
}

interface Webhook {
  readonly clientConfig?: { readonly caBundle?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

interface WebhookConfiguration {
  readonly metadata: ObjectMeta;
  readonly webhooks?: readonly Webhook[];
}

interface ApiService {
  readonly metadata: ObjectMeta;
  readonly spec?: { readonly caBundle?: string };
}

/** Attempts of one write when other writers keep changing the object (client-go's default retry). */
const CONFLICT_ATTEMPTS = 5;

/** A place the bundle is written to; `write` is idempotent and resolves to whether anything changed. */
export interface BundleTarget {
  /** For logs: `ConfigMap spire/spire-bundle`, `MutatingWebhookConfigurations labelled spiffe.io/webhook=true`. */
  readonly description: string;
  write(bundle: SpiffeBundle): Promise<boolean>;
}

/** How a ConfigMap target writes the bundle. */
export interface ConfigMapWrite {
  /** The value stored under the key; default the X.509 authorities as PEM (SPIRE's k8sbundle). */
  readonly encode?: (bundle: SpiffeBundle) => string;
  /** Create the ConfigMap when it is missing (k8s_configmap); k8sbundle needs it to exist, as in SPIRE. */
  readonly create?: boolean;
}

/** Runs `attempt` again while it fails with a resourceVersion conflict. */
async function retryOnConflict(attempt: () => Promise<boolean>): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof AbortedError) || i >= CONFLICT_ATTEMPTS) throw err;
    }
  }
}

function configMapPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** `key` of the ConfigMap `namespace/name`. */
export function configMapTarget(
  client: KubeApiClient,
  namespace: string,
  name: string,
  key: string,
  { encode = (b: SpiffeBundle) => b.toPem(), create = false }: ConfigMapWrite = {},
): BundleTarget {
  const what = `ConfigMap ${namespace}/${name}`;
  const path = configMapPath(namespace, name);
  const writeOnce = async (contents: string): Promise<boolean> => {
    let current: ConfigMap;
    try {
      current = await client.get<ConfigMap>(path, what);
    } catch (err) {
      if (!(err instanceof NotFoundError) || !create) throw err;
      const object = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace },
        data: { [key]: contents },
      };
      try {
        await client.create(configMapPath(namespace), what, object);
        return true;
      } catch (createErr) {
        // Someone created it meanwhile: patch it on the next attempt.
        if (createErr instanceof AlreadyExistsError)
          throw new AbortedError(createErr.message, 'ERR_KUBE_CONFLICT');
        throw createErr;
      }
    }
    if (current.data?.[key] === contents) return false;
    const patch = {
      metadata: { resourceVersion: current.metadata.resourceVersion },
      data: { [key]: contents },
    };
    await client.mergePatch(path, what, patch);
    return true;
  };
  return { description: what, write: (bundle) => retryOnConflict(() => writeOnce(encode(bundle))) };
}

/** A cluster-scoped kind whose labelled objects get `caBundle` (base64 of the PEM bundle). */
interface LabelledKind<T extends { metadata: ObjectMeta }> {
  readonly plural: string;
  readonly collection: string;
  upToDate(object: T, caBundle: string): boolean;
  patch(object: T, caBundle: string): Record<string, unknown>;
}

function labelledTarget<T extends { metadata: ObjectMeta }>(
  client: KubeApiClient,
  kind: LabelledKind<T>,
  label: string,
): BundleTarget {
  const selector = `${label}=true`;
  const writeOne = async (name: string, caBundle: string): Promise<boolean> => {
    const what = `${kind.plural} ${name}`;
    const path = `${kind.collection}/${encodeURIComponent(name)}`;
    const current = await client.get<T>(path, what);
    if (kind.upToDate(current, caBundle)) return false;
    const patch = {
      metadata: { resourceVersion: current.metadata.resourceVersion },
      ...kind.patch(current, caBundle),
    };
    await client.mergePatch(path, what, patch);
    return true;
  };
  return {
    description: `${kind.plural} labelled ${selector}`,
    async write(bundle) {
      const caBundle = Buffer.from(bundle.toPem()).toString('base64');
      const items = await client.list<T>(kind.collection, kind.plural, selector);
      let changed = false;
      for (const item of items) {
        if (await retryOnConflict(() => writeOne(item.metadata.name, caBundle))) changed = true;
      }
      return changed;
    },
  };
}

function webhookKind(plural: string): LabelledKind<WebhookConfiguration> {
  return {
    plural,
    collection: `/apis/admissionregistration.k8s.io/v1/${plural.toLowerCase()}`,
    upToDate: (o, ca) => (o.webhooks ?? []).every((w) => w.clientConfig?.caBundle === ca),
    // A merge patch replaces the list whole: send every webhook as read, with the new CA bundle.
    patch: (o, ca) => ({
      webhooks: (o.webhooks ?? []).map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle: ca } })),
    }),
  };
}

const API_SERVICES: LabelledKind<ApiService> = {
  plural: 'APIServices',
  collection: '/apis/apiregistration.k8s.io/v1/apiservices',
  upToDate: (o, ca) => o.spec?.caBundle === ca,
  patch: (_o, ca) => ({ spec: { caBundle: ca } }),
};

/** The CA bundles of Mutating- and ValidatingWebhookConfigurations whose `label` is `true`. */
export function webhookTargets(client: KubeApiClient, label: string): BundleTarget[] {
  return [
    labelledTarget(client, webhookKind('MutatingWebhookConfigurations'), label),
    labelledTarget(client, webhookKind('ValidatingWebhookConfigurations'), label),
  ];
}

/** The CA bundles of APIServices whose `label` is `true`. */
export function apiServiceTarget(client: KubeApiClient, label: string): BundleTarget {
  return labelledTarget(client, API_SERVICES, label);
}
