/** Helpers for federation tests: an HTTPS GET that reports everything, bounded waiting, foreign endpoints. */
import { X509Certificate } from 'node:crypto';
import { request, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DetailedPeerCertificate } from 'node:tls';

/** What a GET returned, with the certificate the server presented. */
export interface HttpsResult {
  status: number;
  contentType: string | undefined;
  body: string;
  peer: X509Certificate;
}

/** GETs `url` trusting `ca`; `checkServerIdentity` replaces the host-name check when given. */
export function httpsGet(
  url: string,
  ca: string | Buffer | Array<string | Buffer>,
  options: { method?: string; checkServerIdentity?: () => Error | undefined } = {},
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        method: options.method ?? 'GET',
        agent: false,
        ...(options.checkServerIdentity ? { checkServerIdentity: options.checkServerIdentity } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const cert = (
            res.socket as unknown as { getPeerCertificate(d: boolean): DetailedPeerCertificate }
          ).getPeerCertificate(true);
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
            peer: new X509Certificate(cert.raw),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A foreign HTTPS server whose answers the test controls (a loopback stand-in for another trust domain). */
export interface ForeignEndpoint {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts an HTTPS server on 127.0.0.1 with `cert`/`key`, answering every request with `handler`. */
export async function foreignEndpoint(
  cert: string,
  key: string,
  handler: Parameters<typeof createServer>[1],
): Promise<ForeignEndpoint> {
  const server = createServer({ cert, key }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
