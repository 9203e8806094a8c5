import type http from 'node:http';
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

const MAX_BODY = 1024 * 1024;

/**
 * What the HTTP and HTTPS fakes share: a server on 127.0.0.1:0 that records every request and lets tests inject
 * behaviour (fail the next N requests with a status, delay responses, or stop answering at all). Subclasses
 * choose the server (plain or TLS) and what a recorded request carries.
 */
export abstract class LoopbackFake<R extends RecordedRequest> {
  /** Every request received, oldest first. */
  readonly requests: R[] = [];
  private server?: http.Server;
  private lastPort?: number;
  private failures: FakeResponse[] = [];
  private delayMs = 0;

  /** @param handler - computes the normal answer to a recorded request. */
  constructor(private readonly handler: (req: R, url: URL) => FakeResponse | Promise<FakeResponse>) {}

  /** `http` or `https`: the scheme of {@link url}. */
  protected abstract get scheme(): string;

  /** Creates the (not yet listening) server that hands every request to `listener`. */
  protected abstract createServer(
    listener: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ): http.Server;

  /** Completes the common fields of a recorded request with what the subclass records besides. */
  protected abstract record(common: RecordedRequest, req: http.IncomingMessage): R;

  /** Runs before each response is computed; a throw answers 500. Does nothing unless overridden. */
  protected async beforeAnswer(_req: R): Promise<void> {}

  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:41234`. */
  async start(): Promise<string> {
    const server = this.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.lastPort = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Starts listening on a Unix socket at `socketPath` instead of a loopback port (Docker Engine, D-Bus style APIs). */
  async startOnSocket(socketPath: string): Promise<void> {
    const server = this.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  }

  /** Base URL (no trailing slash); still answers after `stop()` so tests can aim clients at a dead port. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
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
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', `${this.scheme}://fake.invalid`);
    const recorded = this.record(
      {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers: req.headers,
        body,
      },
      req,
    );
    this.requests.push(recorded);
    let response: FakeResponse;
    try {
      await this.beforeAnswer(recorded);
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

/** Reads a request body as UTF-8, keeping at most the first MiB. */
async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
