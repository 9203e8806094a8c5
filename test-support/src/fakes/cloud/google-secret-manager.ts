import { randomBytes } from 'node:crypto';
import { HttpFake, type FakeResponse, type RecordedRequest, json } from './http-fake';

/** A secret as the fake keeps it (REST field names). */
export interface FakeGcpSecret {
  readonly name: string;
  labels: Record<string, string>;
  readonly replication: unknown;
  etag: string;
  /** Payloads, version 1 first. */
  readonly versions: Buffer[];
  policy: { bindings?: { role: string; members: string[] }[]; etag: string; version?: number };
  readonly createTime: string;
}

const SECRET = /^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+)(?::(addVersion|getIamPolicy|setIamPolicy))?$/;
const VERSION = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/;
const SECRETS = /^\/v1\/projects\/([^/]+)\/secrets$/;
const SECRET_ID = /^[\w-]{1,255}$/;

function googleError(code: number, status: string, message: string): FakeResponse {
  return json(code, { error: { code, message, status } });
}

const etag = (): string => `"${randomBytes(8).toString('hex')}"`;

/**
 * Loopback fake of Secret Manager's REST API (v1): `secrets.create/get/delete` (with etag check), `addVersion`,
 * `versions/<n|latest>:access`, and `getIamPolicy`/`setIamPolicy`, answering Google's JSON error documents.
 * Every call needs `Authorization: Bearer <token>` with a token `isValidToken` accepts (the tokens
 * {@link FakeGoogleApis}' token endpoint issued), else 401 UNAUTHENTICATED.
 */
export class FakeSecretManager extends HttpFake {
  readonly secrets = new Map<string, FakeGcpSecret>();

  constructor(private readonly isValidToken: (token: string) => boolean) {
    super((req, url) => this.route(req, url));
  }

  /** Creates a secret directly (as another tool would), with the given labels and one version. */
  seed(name: string, labels: Record<string, string>, payload: string): FakeGcpSecret {
    const secret = newSecret(name, labels, { automatic: {} });
    secret.versions.push(Buffer.from(payload));
    this.secrets.set(name, secret);
    return secret;
  }

  /** The latest payload of a secret (`projects/<p>/secrets/<s>`), if any. */
  latest(name: string): Buffer | undefined {
    return this.secrets.get(name)?.versions.at(-1);
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !this.isValidToken(auth.slice(7))) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    let body: Record<string, unknown> = {};
    try {
      body = req.body === '' ? {} : (JSON.parse(req.body) as Record<string, unknown>);
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const list = SECRETS.exec(url.pathname);
    if (list && req.method === 'POST')
      return this.create(list[1], url.searchParams.get('secretId') ?? '', body);
    const version = VERSION.exec(url.pathname);
    if (version && req.method === 'GET')
      return this.access(`projects/${version[1]}/secrets/${version[2]}`, version[3]);
    const m = SECRET.exec(url.pathname);
    if (!m) return googleError(404, 'NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
    const name = `projects/${m[1]}/secrets/${m[2]}`;
    const secret = this.secrets.get(name);
    if (!secret) return googleError(404, 'NOT_FOUND', `Secret [${name}] not found or has no versions.`);
    return this.onSecret(req.method, m[3], secret, body, url);
  }

  private onSecret(
    method: string,
    verb: string | undefined,
    secret: FakeGcpSecret,
    body: Record<string, unknown>,
    url: URL,
  ): FakeResponse {
    if (verb === undefined && method === 'GET') return json(200, view(secret));
    if (verb === undefined && method === 'DELETE') {
      const given = url.searchParams.get('etag');
      if (given && given !== secret.etag) return googleError(409, 'ABORTED', 'The etag does not match.');
      this.secrets.delete(secret.name);
      return json(200, {});
    }
    if (verb === 'addVersion' && method === 'POST') {
      const data = (body.payload as { data?: unknown } | undefined)?.data;
      if (typeof data !== 'string') return googleError(400, 'INVALID_ARGUMENT', 'payload.data is required');
      secret.versions.push(Buffer.from(data, 'base64'));
      return json(200, {
        name: `${secret.name}/versions/${secret.versions.length}`,
        createTime: new Date().toISOString(),
        state: 'ENABLED',
      });
    }
    if (verb === 'getIamPolicy') return json(200, secret.policy);
    if (verb === 'setIamPolicy' && method === 'POST') {
      const policy = (body.policy ?? {}) as FakeGcpSecret['policy'];
      secret.policy = {
        version: 1,
        bindings: policy.bindings ?? [],
        etag: Buffer.from(etag()).toString('base64'),
      };
      return json(200, secret.policy);
    }
    return googleError(405, 'UNIMPLEMENTED', `${method} ${verb ?? ''} is not supported`);
  }

  private create(project: string, secretId: string, body: Record<string, unknown>): FakeResponse {
    if (!SECRET_ID.test(secretId)) return googleError(400, 'INVALID_ARGUMENT', 'secret_id is invalid');
    const name = `projects/${project}/secrets/${secretId}`;
    if (this.secrets.has(name)) return googleError(409, 'ALREADY_EXISTS', `Secret [${name}] already exists.`);
    if (body.replication === undefined)
      return googleError(400, 'INVALID_ARGUMENT', 'replication is required');
    const labels = (body.labels ?? {}) as Record<string, string>;
    const secret = newSecret(name, labels, body.replication);
    this.secrets.set(name, secret);
    return json(200, view(secret));
  }

  private access(name: string, version: string): FakeResponse {
    const secret = this.secrets.get(name);
    const index = version === 'latest' ? (secret?.versions.length ?? 0) : Number(version);
    const payload = secret?.versions[index - 1];
    if (!payload)
      return googleError(404, 'NOT_FOUND', `Secret Version [${name}/versions/${version}] not found.`);
    return json(200, { name: `${name}/versions/${index}`, payload: { data: payload.toString('base64') } });
  }
}

function newSecret(name: string, labels: Record<string, string>, replication: unknown): FakeGcpSecret {
  return {
    name,
    labels: { ...labels },
    replication,
    etag: etag(),
    versions: [],
    policy: { etag: 'ACAB' },
    createTime: new Date().toISOString(),
  };
}

function view(s: FakeGcpSecret): Record<string, unknown> {
  return {
    name: s.name,
    labels: s.labels,
    replication: s.replication,
    etag: s.etag,
    createTime: s.createTime,
  };
}
