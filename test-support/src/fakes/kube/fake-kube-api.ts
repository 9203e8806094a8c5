import { randomBytes } from 'node:crypto';
import type { FakeResponse } from '../cloud/http-fake';
import { json } from '../cloud/http-fake';
import type { TestCa } from '../../test-ca';
import { HttpsFake, type TlsRecordedRequest } from './https-fake';
import { type KubeNode, type KubePod, kubeStatus } from './kube-model';
import { KubeObjectStore } from './kube-objects';
import {
  ServiceAccountIssuer,
  type ServiceAccountTokenOptions,
  type VerifiedTokenClaims,
} from './service-account-tokens';

const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const NODE_PATH = /^\/api\/v1\/nodes\/([^/]+)$/;

/** A client certificate the fake API server accepts, as PEM for a kubeconfig. */
export interface KubeClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Loopback fake of the Kubernetes API server, over HTTPS with a {@link TestCa} certificate. It serves
 * `POST /apis/authentication.k8s.io/v1/tokenreviews` (really verifying RS256 service-account tokens signed by
 * {@link issuer}, their expiry, audiences and bound pod), `GET /api/v1/namespaces/{ns}/pods/{name}` and
 * `GET /api/v1/nodes/{name}`, and keeps ConfigMaps, Namespaces, webhook configurations and APIServices in
 * {@link objects} (get, list by label, create, merge-patch with resourceVersion conflicts). Callers authenticate with {@link clientToken} (Bearer) or a client certificate from
 * {@link issueClientCertificate}; anything else gets 401. Tests inject failures with `failNext` or set
 * {@link tokenReviewError} to make the authenticator report an error.
 */
export class FakeKubeApi extends HttpsFake {
  /** Signs and verifies service-account tokens. */
  readonly issuer = new ServiceAccountIssuer();
  /** Pods by `namespace/name`. */
  readonly pods = new Map<string, KubePod>();
  /** Nodes by name. */
  readonly nodes = new Map<string, KubeNode>();
  /** ConfigMaps, Namespaces, Mutating/ValidatingWebhookConfigurations and APIServices. */
  readonly objects = new KubeObjectStore();
  /** Bearer token of an identity allowed to create TokenReviews and read pods and nodes. */
  readonly clientToken = `kube-admin-${randomBytes(16).toString('hex')}`;
  /** Audiences used when a TokenReview names none (the API server's own). */
  apiAudiences = ['https://kubernetes.default.svc.cluster.local'];
  /** When set, TokenReviews answer `authenticated: false` with this `status.error`. */
  tokenReviewError?: string;
  /** Current time in seconds; tests may move it. */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);

  constructor(ca?: TestCa) {
    super((req) => this.route(req), { ca, dnsNames: ['kubernetes.default.svc'] });
  }

  /** Adds or replaces a pod. */
  addPod(pod: KubePod): void {
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
  }

  /** Adds or replaces a node. */
  addNode(node: KubeNode): void {
    this.nodes.set(node.metadata.name, node);
  }

  /** Signs a projected token for a pod's service account, bound to the pod and its node (as kubelet requests). */
  tokenForPod(pod: KubePod, options: Partial<ServiceAccountTokenOptions> = {}): string {
    const node = this.nodes.get(pod.spec.nodeName);
    return this.issuer.issue({
      namespace: pod.metadata.namespace ?? 'default',
      serviceAccount: pod.spec.serviceAccountName,
      podName: pod.metadata.name,
      podUid: pod.metadata.uid,
      nodeName: pod.spec.nodeName,
      nodeUid: node?.metadata.uid,
      nowSeconds: this.nowSeconds(),
      ...options,
    });
  }

  /**
   * A kubeconfig (YAML) whose current context reaches this API server, as `user` (the indented lines of its
   * `user:` block; {@link clientToken} by default).
   */
  kubeconfig(user = `    token: ${this.clientToken}`): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}`,
      'users:',
      '- name: lanyard',
      '  user:',
      user,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: lanyard',
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** Issues a client certificate (CN = user name) that this API server accepts. */
  issueClientCertificate(user = 'lanyard-server'): KubeClientCertificate {
    const cert = this.ca.issueCertificate({ subject: { commonName: user }, extKeyUsage: ['clientAuth'] });
    return { certPem: cert.pem, keyPem: cert.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }

  private authorized(req: TlsRecordedRequest): boolean {
    return req.headers.authorization === `Bearer ${this.clientToken}` || req.clientCertCn !== undefined;
  }

  private async route(req: TlsRecordedRequest): Promise<FakeResponse> {
    if (!this.authorized(req)) return json(401, kubeStatus(401, 'Unauthorized', 'Unauthorized'));
    if (req.path === TOKEN_REVIEW_PATH) {
      if (req.method !== 'POST') return json(405, kubeStatus(405, 'MethodNotAllowed', 'method not allowed'));
      return this.tokenReview(req.body);
    }
    const object = this.objects.handle(req);
    if (object) return object;
    const pod = POD_PATH.exec(req.path);
    if (pod && req.method === 'GET') {
      const found = this.pods.get(`${decodeURIComponent(pod[1])}/${decodeURIComponent(pod[2])}`);
      return found ? json(200, found) : json(404, kubeStatus(404, 'NotFound', `pods "${pod[2]}" not found`));
    }
    const node = NODE_PATH.exec(req.path);
    if (node && req.method === 'GET') {
      const found = this.nodes.get(decodeURIComponent(node[1]));
      return found
        ? json(200, found)
        : json(404, kubeStatus(404, 'NotFound', `nodes "${node[1]}" not found`));
    }
    return json(404, kubeStatus(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private async tokenReview(body: string): Promise<FakeResponse> {
    let review: { kind?: string; apiVersion?: string; spec?: { token?: string; audiences?: string[] } };
    try {
      review = JSON.parse(body) as typeof review;
    } catch {
      return json(400, kubeStatus(400, 'BadRequest', 'body is not JSON'));
    }
    if (
      review.kind !== 'TokenReview' ||
      review.apiVersion !== 'authentication.k8s.io/v1' ||
      !review.spec?.token
    ) {
      return json(
        400,
        kubeStatus(400, 'BadRequest', 'expected an authentication.k8s.io/v1 TokenReview with a token'),
      );
    }
    const spec = { token: review.spec.token, audiences: review.spec.audiences ?? [] };
    const result = await this.review(
      spec.token,
      spec.audiences.length > 0 ? spec.audiences : this.apiAudiences,
    );
    const status =
      typeof result === 'string'
        ? { authenticated: false, user: {}, error: result }
        : { authenticated: true, ...result };
    return json(201, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec,
      status,
    });
  }

  private async review(token: string, wanted: string[]): Promise<Record<string, unknown> | string> {
    if (this.tokenReviewError) return this.tokenReviewError;
    const claims = await this.issuer.verify(token, this.nowSeconds());
    if (typeof claims === 'string') return `[${claims}]`;
    const audiences = wanted.filter((a) => claims.aud.includes(a));
    if (audiences.length === 0) {
      return `[invalid bearer token, token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(wanted)}]`;
    }
    const bound = this.boundObjectProblem(claims);
    if (bound) return `[invalid bearer token, ${bound}]`;
    return { user: userInfo(claims), audiences };
  }

  private boundObjectProblem(claims: VerifiedTokenClaims): string | undefined {
    const pod = claims.k8s.pod;
    if (!pod) return undefined;
    const stored = this.pods.get(`${claims.k8s.namespace}/${pod.name}`);
    if (!stored) return `pod "${pod.name}" not found`;
    if (stored.metadata.uid !== pod.uid) {
      return `the UID in the bound object reference (${pod.uid}) does not match the UID in record (${stored.metadata.uid})`;
    }
    return undefined;
  }
}

function userInfo(claims: VerifiedTokenClaims): Record<string, unknown> {
  const extra: Record<string, string[]> = {};
  if (claims.k8s.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [claims.k8s.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [claims.k8s.pod.uid];
  }
  if (claims.k8s.node) {
    extra['authentication.kubernetes.io/node-name'] = [claims.k8s.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [claims.k8s.node.uid];
  }
  if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  return {
    username: claims.sub,
    uid: claims.k8s.serviceaccount?.uid ?? '',
    groups: [
      'system:serviceaccounts',
      `system:serviceaccounts:${claims.k8s.namespace}`,
      'system:authenticated',
    ],
    extra,
  };
}
