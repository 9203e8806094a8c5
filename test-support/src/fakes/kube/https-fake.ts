import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { TestCa } from '../../test-ca';
import type { FakeResponse, RecordedRequest } from '../cloud/http-fake';

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

const MAX_BODY = 1024 * 1024;

/**
 * Base of the Kubernetes fakes: an HTTPS server on 127.0.0.1:0 whose certificate is issued by a {@link TestCa}
 * (SANs 127.0.0.1, localhost and any extra names). It asks for, but does not require, a client certificate, records
 * every request, and lets tests inject failures (`failNext`), delays and a hook run before each answer.
 */
export class HttpsFake {
  /** CA of the serving certificate; clients trust {@link caPem}. */
  readonly ca: TestCa;
  /** Every request received, oldest first. */
  readonly requests: TlsRecordedRequest[] = [];
  /** Runs before each response is computed (e.g. to make a process exit mid-attestation). */
  beforeRespond?: (req: TlsRecordedRequest) => void | Promise<void>;
  private server?: http.Server;
  private lastPort?: number;
  private failures: FakeResponse[] = [];
  private delayMs = 0;
  private readonly tlsOptions?: https.ServerOptions;

  constructor(
    private readonly handler: (req: TlsRecordedRequest, url: URL) => FakeResponse | Promise<FakeResponse>,
    options: HttpsFakeOptions = {},
  ) {
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

  /** Starts listening; resolves with the base URL, e.g. `https://127.0.0.1:41234`. */
  async start(): Promise<string> {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => void this.serve(req, res);
    const server = this.tlsOptions
      ? https.createServer(this.tlsOptions, listener)
      : http.createServer(listener);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.lastPort = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Base URL (no trailing slash); still answers after `stop()` so tests can aim clients at a dead port. */
  get url(): string {
    return `${this.tlsOptions ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** The listening port. */
  get port(): number {
    if (this.lastPort === undefined) throw new Error('fake is not started');
    return this.lastPort;
  }

  /** Answers the next `count` requests with `response` instead of the normal handler. */
  failNext(response: FakeResponse, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(response);
  }

  /** Delays every response by `ms` (0 turns it off). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Stops the server and drops open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) break;
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'https://fake.invalid');
    const recorded: TlsRecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      clientCertCn: clientCommonName(req),
    };
    this.requests.push(recorded);
    let response: FakeResponse;
    try {
      if (this.beforeRespond) await this.beforeRespond(recorded);
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      response = this.failures.shift() ?? (await this.handler(recorded, url));
    } catch (error) {
      response = { status: 500, body: String(error) };
    }
    if (res.destroyed) return;
    res.writeHead(response.status, { 'content-type': 'text/plain', ...response.headers });
    res.end(response.body ?? '');
  }
}

function clientCommonName(req: http.IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}
