import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { TestCa } from '../../test-ca';
import { LoopbackFake, type FakeResponse, type RecordedRequest } from '../loopback-fake';

/** A request as a TLS fake saw it, plus the client certificate's subject common name when one was sent. */
export interface TlsRecordedRequest extends RecordedRequest {
  /** CN of a verified client certificate, if the client presented one signed by the fake's CA. */
  readonly clientCertCn?: string;
}

/** Options of {@link HttpsFake}. */
export interface HttpsFakeOptions {
  /** CA that signs the serving certificate (and verifies client certificates); a fresh one by default. */
  readonly ca?: TestCa;
  /** DNS names in the serving certificate besides `localhost`. */
  readonly dnsNames?: string[];
  /** Serve plain HTTP instead (the kubelet read-only port). */
  readonly plainHttp?: boolean;
}

/**
 * Base of the Kubernetes fakes: an HTTPS server on 127.0.0.1:0 whose certificate is issued by a {@link TestCa}
 * (SANs 127.0.0.1, localhost and any extra names). It asks for, but does not require, a client certificate, records
 * every request, and lets tests inject failures (`failNext`), delays and a hook run before each answer.
 */
export class HttpsFake extends LoopbackFake<TlsRecordedRequest> {
  /** CA of the serving certificate; clients trust {@link caPem}. */
  readonly ca: TestCa;
  /** Runs before each response is computed (e.g. to make a process exit mid-attestation). */
  beforeRespond?: (req: TlsRecordedRequest) => void | Promise<void>;
  private readonly tlsOptions?: https.ServerOptions;

  constructor(
    handler: (req: TlsRecordedRequest, url: URL) => FakeResponse | Promise<FakeResponse>,
    options: HttpsFakeOptions = {},
  ) {
    super(handler);
    this.ca = options.ca ?? TestCa.create({ trustDomain: 'kubernetes.test' });
    if (!options.plainHttp) {
      const cert = this.ca.issueCertificate({
        subject: { commonName: 'fake-kube' },
        dnsNames: ['localhost', ...(options.dnsNames ?? [])],
        ipAddresses: ['127.0.0.1'],
        extKeyUsage: ['serverAuth'],
      });
      this.tlsOptions = {
        cert: cert.pem,
        key: cert.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        ca: this.ca.certificate.pem,
        requestCert: true,
        rejectUnauthorized: false,
      };
    }
  }

  /** PEM of the CA that issued the serving certificate (what `certificate-authority-data` carries). */
  get caPem(): string {
    return this.ca.certificate.pem;
  }

  protected get scheme(): string {
    return this.tlsOptions ? 'https' : 'http';
  }

  protected createServer(
    listener: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ): http.Server {
    return this.tlsOptions ? https.createServer(this.tlsOptions, listener) : http.createServer(listener);
  }

  protected record(common: RecordedRequest, req: http.IncomingMessage): TlsRecordedRequest {
    return { ...common, clientCertCn: clientCommonName(req) };
  }

  protected override async beforeAnswer(req: TlsRecordedRequest): Promise<void> {
    if (this.beforeRespond) await this.beforeRespond(req);
  }
}

function clientCommonName(req: http.IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}
