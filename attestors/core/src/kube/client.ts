import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  AbortedError,
  AlreadyExistsError,
  InternalError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from '@lanyard/base';
import type { KubeConnection } from './connection';
import type { KubeNode, KubePod, TokenReviewStatus } from './types';

const MAX_BODY = 4 * 1024 * 1024;

/** Options of {@link KubeApiClient}. */
export interface KubeApiClientOptions {
  /** Per-request timeout in milliseconds; default 10000. */
  readonly timeoutMs?: number;
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Content type of an RFC 7386 JSON merge patch. */
const MERGE_PATCH = 'application/merge-patch+json';

/**
 * A small Kubernetes API client over `node:https`: TokenReview, get pod, get node, and generic get, list, create
 * and merge-patch of any object path. It keeps one keep-alive agent (TLS sessions are reused) and re-reads a
 * token file on every request.
 */
export class KubeApiClient {
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly connection: KubeConnection,
    options: KubeApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const url = new URL(connection.server);
    const servername =
      connection.tlsServerName ?? (isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 8,
      ca: connection.caPem,
      cert: connection.clientCertPem,
      key: connection.clientKeyPem,
      rejectUnauthorized: !connection.insecureSkipTlsVerify,
      servername,
    });
  }

  /**
   * Creates a TokenReview for `token` with the given audiences and returns its status.
   * @throws UnavailableError when the API server cannot be reached, InternalError for unexpected answers.
   */
  async tokenReview(token: string, audiences: string[]): Promise<TokenReviewStatus> {
    const body = JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences },
    });
    const review = await this.json<{ status?: TokenReviewStatus }>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      'token review',
      body,
    );
    if (typeof review.status !== 'object' || review.status === null) {
      throw new InternalError('token review API response has no status', 'ERR_KUBE_RESPONSE');
    }
    return review.status;
  }

  /** Reads a pod. @throws NotFoundError when it does not exist. */
  getPod(namespace: string, name: string): Promise<KubePod> {
    return this.json(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
      `pod "${namespace}/${name}"`,
    );
  }

  /** Reads a node. @throws NotFoundError when it does not exist. */
  getNode(name: string): Promise<KubeNode> {
    return this.json('GET', `/api/v1/nodes/${encodeURIComponent(name)}`, `node "${name}"`);
  }

  /** Reads the object at `path` (e.g. `/api/v1/namespaces/spire/configmaps/spire-bundle`). @throws NotFoundError */
  get<T>(path: string, what: string): Promise<T> {
    return this.json('GET', path, what);
  }

  /** Lists the objects at a collection `path` whose labels match `labelSelector` (e.g. `spiffe.io/webhook=true`). */
  async list<T>(path: string, what: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const list = await this.json<{ items?: T[] }>('GET', `${path}${query}`, what);
    return Array.isArray(list.items) ? list.items : [];
  }

  /** Creates `object` in the collection at `path`. @throws AlreadyExistsError when it exists already. */
  create<T>(path: string, what: string, object: unknown): Promise<T> {
    return this.json('POST', path, what, JSON.stringify(object));
  }

  /**
   * Applies a JSON merge patch to the object at `path`. Put `metadata.resourceVersion` in the patch for
   * optimistic concurrency.
   * @throws AbortedError when the object changed since that version (HTTP 409), NotFoundError when it is gone.
   */
  mergePatch<T>(path: string, what: string, patch: unknown): Promise<T> {
    return this.json('PATCH', path, what, JSON.stringify(patch), MERGE_PATCH);
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private async json<T>(
    method: string,
    path: string,
    what: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<T> {
    const res = await this.request(method, path, what, body, contentType);
    if (res.status === 404) throw new NotFoundError(`${what} not found`, 'ERR_KUBE_NOT_FOUND');
    if (res.status === 409) throw conflict(what, res.body);
    if (res.status === 401 || res.status === 403) {
      throw new PermissionDeniedError(
        `kubernetes API refused the ${what} request (HTTP ${res.status}): ${statusMessage(res.body)}`,
        'ERR_KUBE_FORBIDDEN',
      );
    }
    if (res.status >= 500) {
      throw new UnavailableError(
        `kubernetes API failed the ${what} request: HTTP ${res.status}`,
        'ERR_KUBE_UNAVAILABLE',
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new InternalError(
        `kubernetes API answered the ${what} request with HTTP ${res.status}: ${statusMessage(res.body)}`,
        'ERR_KUBE_RESPONSE',
      );
    }
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new InternalError(`kubernetes API sent a ${what} response that is not JSON`, 'ERR_KUBE_RESPONSE');
    }
  }

  private async headers(body: string | undefined, contentType: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    const token = this.connection.tokenFile
      ? (await readFile(this.connection.tokenFile, 'utf8')).trim()
      : this.connection.token;
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  private async request(
    method: string,
    path: string,
    what: string,
    body: string | undefined,
    contentType: string,
  ): Promise<RawResponse> {
    let headers: Record<string, string>;
    try {
      headers = await this.headers(body, contentType);
    } catch (error) {
      throw new UnavailableError(
        `cannot read kubernetes API token file: ${(error as Error).message}`,
        'ERR_KUBE_TOKEN',
      );
    }
    const url = new URL(path, `${this.connection.server}/`);
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (reason: string) =>
        reject(
          new UnavailableError(
            `kubernetes API at ${this.connection.server} unreachable for ${what}: ${reason}`,
            'ERR_KUBE_UNAVAILABLE',
          ),
        );
      const req = https.request(
        url,
        { method, headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) req.destroy(new Error(`response larger than ${MAX_BODY} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => fail(error.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs}ms`)));
      req.on('error', (error) => fail(error.message));
      req.end(body);
    });
  }
}

/** HTTP 409: `AlreadyExists` on create, otherwise a `Conflict` with a newer resourceVersion. */
function conflict(what: string, body: string): AbortedError | AlreadyExistsError {
  const message = `kubernetes API refused the ${what} request: ${statusMessage(body)}`;
  return /"reason"\s*:\s*"AlreadyExists"/.test(body)
    ? new AlreadyExistsError(message, 'ERR_KUBE_EXISTS')
    : new AbortedError(message, 'ERR_KUBE_CONFLICT');
}

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not a Status document; fall through
  }
  return body.slice(0, 200);
}
