import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query string without the leading `?` (empty when none). */
  readonly query: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** What a route handler returns. */
export interface FakeResponse {
  readonly status: number;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/** A route handler: gets the parsed request, returns the response. */
export type FakeHandler = (req: RecordedRequest, url: URL) => FakeResponse | Promise<FakeResponse>;

const MAX_BODY = 1024 * 1024;

/**
 * Base of every loopback cloud fake: an `http.Server` on 127.0.0.1:0 that records requests and lets tests
 * inject behaviour (fail the next N requests with a status, delay responses, or stop answering at all).
 */
export class HttpFake {
  private server?: http.Server;
  private lastPort?: number;
  private failures: FakeResponse[] = [];
  private delayMs = 0;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly handler: FakeHandler) {}

  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:41234`. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.lastPort = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Base URL (no trailing slash); still answers after `stop()` so tests can aim clients at a dead port. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `127.0.0.1:<port>`, for configs that take a host instead of a URL. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  private get port(): number {
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
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    let response: FakeResponse;
    try {
      response = this.failures.shift() ?? (await this.handler(recorded, url));
    } catch (error) {
      response = { status: 500, body: String(error) };
    }
    if (res.destroyed) return;
    res.writeHead(response.status, { 'content-type': 'text/plain', ...response.headers });
    res.end(response.body ?? '');
  }
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } };
}
