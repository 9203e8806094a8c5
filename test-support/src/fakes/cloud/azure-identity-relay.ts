import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The variable @azure/identity's managed identity credential reads for its IMDS-style token endpoint. */
export const POD_IDENTITY_ENV = 'AZURE_POD_IDENTITY_AUTHORITY_HOST';

/**
 * A loopback relay with one fixed address for `@azure/identity`'s managed identity credential. MSAL picks its
 * managed identity endpoint once per process (a static), so tests that start a fresh {@link FakeAzureImds} per
 * case point `AZURE_POD_IDENTITY_AUTHORITY_HOST` at this relay once and aim the relay at the current fake with
 * {@link target}. Requests are forwarded as they are (method, path, query, `Metadata` header); an unset or
 * unreachable target drops the connection, as an absent IMDS would.
 */
export class ManagedIdentityRelay {
  /** Base URL of the fake IMDS to forward to; `undefined` drops every connection. */
  target: string | undefined;
  private readonly server = http.createServer((req, res) => void this.forward(req, res));
  private saved: string | undefined;

  /** Starts listening on 127.0.0.1 and sets `AZURE_POD_IDENTITY_AUTHORITY_HOST` to the relay (restored by `stop`). */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.saved = process.env[POD_IDENTITY_ENV];
    process.env[POD_IDENTITY_ENV] = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Restores the environment variable and closes the relay. */
  async stop(): Promise<void> {
    if (this.saved === undefined) delete process.env[POD_IDENTITY_ENV];
    else process.env[POD_IDENTITY_ENV] = this.saved;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.target === undefined) return void res.socket?.destroy();
    const headers: Record<string, string> = {};
    if (typeof req.headers.metadata === 'string') headers.Metadata = req.headers.metadata;
    try {
      const answer = await fetch(`${this.target}${req.url ?? '/'}`, { method: req.method, headers });
      const body = await answer.text();
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(body);
    } catch {
      res.socket?.destroy();
    }
  }
}
