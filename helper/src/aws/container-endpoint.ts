/**
 * The container-credentials endpoint on loopback (CLOUD-FEDERATION.md §2.5): SDK default chains read
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI` and send the content of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` as the
 * `Authorization` header; the answer is `{AccessKeyId, SecretAccessKey, Token, Expiration}`. Credentials are
 * held in memory and exchanged again shortly before they expire (one exchange at a time).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileAtomic } from '@lanyard/base';
import { REFRESH_MARGIN_MS } from '../cache/credential-cache';
import { containerCredentialsJson, type AwsCredentials } from './credentials';

/** Credentials from memory, refreshed through `fetch` when they are within the refresh margin of expiry. */
export class MemoizedCredentials {
  private current: AwsCredentials | undefined;
  private inFlight: Promise<AwsCredentials> | undefined;

  constructor(
    private readonly fetch: () => Promise<AwsCredentials>,
    private readonly marginMs = REFRESH_MARGIN_MS,
  ) {}

  /** The current credentials, exchanging new ones first when needed. */
  get(now = Date.now()): Promise<AwsCredentials> {
    const current = this.current;
    if (current && new Date(current.expiration).getTime() - now > this.marginMs)
      return Promise.resolve(current);
    this.inFlight ??= this.fetch().then(
      (fresh) => {
        this.current = fresh;
        this.inFlight = undefined;
        return fresh;
      },
      (err: unknown) => {
        this.inFlight = undefined;
        throw err;
      },
    );
    return this.inFlight;
  }
}

/** Options of {@link startContainerEndpoint}. */
export interface ContainerEndpointOptions {
  readonly credentials: MemoizedCredentials;
  /** Where to write the authorization token (0600) for `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`. */
  readonly tokenFile: string;
  /** Loopback port (0 picks one). */
  readonly port: number;
  /** Called when an exchange fails (the SDK gets a 500 with the cloud's code). */
  readonly onError?: (err: Error) => void;
}

/** A running endpoint. */
export interface ContainerEndpoint {
  /** `AWS_CONTAINER_CREDENTIALS_FULL_URI`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The path the endpoint serves. */
export const CONTAINER_CREDENTIALS_PATH = '/v1/credentials';

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a fresh random authorization token and serves credentials on 127.0.0.1. */
export async function startContainerEndpoint(options: ContainerEndpointOptions): Promise<ContainerEndpoint> {
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(token);
  await writeFileAtomic(options.tokenFile, token, { mode: 0o600 });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CONTAINER_CREDENTIALS_PATH) {
      send(res, 404, JSON.stringify({ Code: 'NotFound', Message: 'GET /v1/credentials' }));
      return;
    }
    const presented = Buffer.from(req.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      send(
        res,
        401,
        JSON.stringify({ Code: 'AccessDenied', Message: 'the Authorization header does not match' }),
      );
      return;
    }
    options.credentials.get().then(
      (credentials) => send(res, 200, containerCredentialsJson(credentials)),
      (err: Error) => {
        options.onError?.(err);
        send(res, 500, JSON.stringify({ Code: 'CredentialExchangeFailed', Message: err.message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${CONTAINER_CREDENTIALS_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
