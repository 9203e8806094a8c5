/** The shapes of the Kubernetes objects the chart tests read (only the fields they look at). */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
}

export interface Probe {
  httpGet: { path: string; port: string | number };
}

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; valueFrom?: Record<string, unknown> }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: VolumeMount[];
}

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  projected?: { sources: { serviceAccountToken: { path: string; audience: string } }[] };
  configMap?: { name: string };
}

export interface PodTemplate {
  metadata: ObjectMeta;
  spec: {
    hostPID?: boolean;
    serviceAccountName: string;
    /** Unset or true: the service-account token and cluster CA are mounted at /var/run/secrets/kubernetes.io/serviceaccount. */
    automountServiceAccountToken?: boolean;
    securityContext?: Record<string, unknown>;
    containers: Container[];
    volumes: Volume[];
  };
}

/** Any rendered object; workload, Service, ConfigMap and RBAC fields are optional. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  data?: Record<string, string>;
  rules?: unknown[];
  subjects?: unknown[];
  spec?: {
    template?: PodTemplate;
    volumeClaimTemplates?: { metadata: ObjectMeta; spec: { resources: { requests: { storage: string } } } }[];
    selector?: Record<string, string>;
    ports?: { port: number }[];
  };
}

/** Returns `value`, or fails naming what was missing. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`rendered chart has no ${what}`);
  return value;
}
