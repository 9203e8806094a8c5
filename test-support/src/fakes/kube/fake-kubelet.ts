import type { FakeResponse } from '../cloud/http-fake';
import { json } from '../cloud/http-fake';
import type { TestCa } from '../../test-ca';
import { HttpsFake, type TlsRecordedRequest } from './https-fake';
import { type KubePod, kubeStatus } from './kube-model';

/** Options of {@link FakeKubelet}. */
export interface FakeKubeletOptions {
  /** Node name, put in the serving certificate's DNS SANs (kubelet serving certificates name the node). */
  readonly nodeName?: string;
  /** CA of the serving certificate; fresh by default. */
  readonly ca?: TestCa;
  /** Serve the read-only port: plain HTTP, no authentication. */
  readonly readOnly?: boolean;
}

/**
 * Loopback fake of a kubelet's `/pods` endpoint, answering a real `PodList` document. The secure variant (HTTPS with
 * a {@link TestCa} certificate) accepts Bearer tokens listed in {@link acceptedTokens} or any client certificate
 * signed by its CA, like a kubelet with `--authentication-token-webhook`; the read-only variant is plain HTTP.
 */
export class FakeKubelet extends HttpsFake {
  /** Pods the kubelet reports, in order. */
  pods: KubePod[] = [];
  /** Bearer tokens the kubelet accepts. */
  readonly acceptedTokens = new Set<string>();
  /** Accept requests without credentials (`--anonymous-auth`). */
  allowAnonymous = false;
  private readonly readOnly: boolean;

  constructor(options: FakeKubeletOptions = {}) {
    super((req) => this.route(req), {
      ca: options.ca,
      dnsNames: options.nodeName ? [options.nodeName] : [],
      plainHttp: options.readOnly,
    });
    this.readOnly = options.readOnly ?? false;
  }

  /** Adds a pod to the list. */
  addPod(pod: KubePod): void {
    this.pods.push(pod);
  }

  private authorized(req: TlsRecordedRequest): boolean {
    if (this.readOnly || this.allowAnonymous || req.clientCertCn !== undefined) return true;
    const auth = req.headers.authorization ?? '';
    return auth.startsWith('Bearer ') && this.acceptedTokens.has(auth.slice('Bearer '.length));
  }

  private route(req: TlsRecordedRequest): FakeResponse {
    if (!this.authorized(req)) return { status: 401, body: 'Unauthorized' };
    if (req.method !== 'GET' || req.path !== '/pods') {
      return json(404, kubeStatus(404, 'NotFound', '404 page not found'));
    }
    return json(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.pods });
  }
}
