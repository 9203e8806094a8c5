/** Test helpers: real keys in a SPIFFE bundle file, and plain HTTP(S) requests with chosen headers. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

/** A JWT signing key pair with its key ID. */
export interface TestKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/** A fresh EC P-256 (`ec`), P-384 or RSA key. */
export function testKey(kid: string, type: 'ec' | 'ec384' | 'rsa' = 'ec'): TestKey {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: type === 'ec' ? 'P-256' : 'P-384' });
  return { kid, ...pair };
}

/** Writes a SPIFFE bundle document holding `keys` as JWT authorities. */
export function writeBundleFile(file: string, keys: readonly TestKey[]): void {
  const jwks = keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), use: 'jwt-svid', kid: k.kid }));
  writeFileSync(file, JSON.stringify({ keys: jwks, spiffe_sequence: 1 }));
}

/** What came back. */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends a request to `url` with `headers` (Host included) and reads the whole reply. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; ca?: Buffer; socketPath?: string } = {},
): Promise<Reply> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        socketPath: options.socketPath,
        servername: 'localhost',
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Polls `condition` until it holds (bounded: 30 s). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
