import { type KeyObject, randomBytes } from 'node:crypto';
import { compactVerify, decodeJwt } from 'jose';
import { verifyJwtAccess } from './google-jwt-access';
import { HttpFake, type FakeResponse, type RecordedRequest, json } from './http-fake';
import { type SigningIdentity, createSigningIdentity, publicJwk } from './signing-identity';

/** A Compute Engine instance as `instances.get` returns it (the fields gcp_iit reads). */
export interface FakeGceInstance {
  id: string;
  name: string;
  zone: string;
  project: string;
  tags: string[];
  labels: Record<string, string>;
  metadata: Record<string, string>;
  serviceAccounts: string[];
}

/** A service account key file as Google issues them (`type: service_account`). */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const COMPUTE_ACCESS = {
  audience: 'https://compute.googleapis.com/',
  scopes: [
    'https://www.googleapis.com/auth/compute.readonly',
    'https://www.googleapis.com/auth/compute',
    'https://www.googleapis.com/auth/cloud-platform',
  ],
};

/** How a Compute API call authenticated: an issued access token, or a service account's self-signed JWT. */
export type GoogleCaller = { kind: 'access-token' } | { kind: 'self-signed-jwt'; email: string };

/**
 * Loopback fake of the Google endpoints gcp_iit's server half uses: `/oauth2/v1/certs` (kid → PEM certificate,
 * with an `Expires` header), `/oauth2/v3/certs` (JWKS), `/token` (OAuth 2.0 JWT-bearer grant for service-account
 * keys) and Compute `GET /compute/v1/projects/{p}/zones/{z}/instances/{name}` (401/404). Compute takes a Bearer
 * access token this fake issued or a registered service account's self-signed JWT (see {@link verifyJwtAccess}).
 */
export class FakeGoogleApis extends HttpFake {
  /** Keys published on the certs endpoints; the first one signs identity tokens. */
  readonly signers: SigningIdentity[];
  readonly instances = new Map<string, FakeGceInstance>();
  /** Service-account keys the token endpoint accepts, by client email. */
  private readonly serviceAccounts = new Map<string, KeyObject>();
  private readonly accessTokens = new Set<string>();
  /** Who each successfully authenticated Compute call came from, in order. */
  readonly computeCallers: GoogleCaller[] = [];
  /** Seconds the certs stay cacheable (`Expires` / `Cache-Control: max-age`). */
  certsMaxAgeSeconds = 3600;

  private constructor(signers: SigningIdentity[]) {
    super((req) => this.route(req));
    this.signers = signers;
  }

  /** Creates the fake with one fresh signing key (or the given ones). */
  static async create(signers?: SigningIdentity[]): Promise<FakeGoogleApis> {
    return new FakeGoogleApis(
      signers ?? [await createSigningIdentity({ commonName: 'Fake Google OAuth2 signer' })],
    );
  }

  /** Registers a service account and returns its key file (token_uri pointing at this fake). */
  async serviceAccountKeyFile(email: string, projectId: string): Promise<ServiceAccountKeyFile> {
    const key = await createSigningIdentity({ commonName: email });
    this.serviceAccounts.set(email, key.publicKey);
    return {
      type: 'service_account',
      project_id: projectId,
      private_key_id: key.keyId,
      private_key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      token_uri: `${this.url}/token`,
    };
  }

  /** Issues an access token directly (as the GCE metadata server would for the default account). */
  issueAccessToken(): string {
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.add(token);
    return token;
  }

  /** True for an access token this fake issued (for fakes of other Google APIs). */
  isAccessToken(token: string): boolean {
    return this.accessTokens.has(token);
  }

  private route(req: RecordedRequest): FakeResponse | Promise<FakeResponse> {
    const expires = new Date(Date.now() + this.certsMaxAgeSeconds * 1000).toUTCString();
    const cacheHeaders = { expires, 'cache-control': `public, max-age=${this.certsMaxAgeSeconds}` };
    if (req.path === '/oauth2/v1/certs') {
      return json(200, Object.fromEntries(this.signers.map((s) => [s.keyId, s.certPem])), cacheHeaders);
    }
    if (req.path === '/oauth2/v3/certs')
      return json(200, { keys: this.signers.map(publicJwk) }, cacheHeaders);
    if (req.path === '/token' && req.method === 'POST') return this.token(req);
    const match = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(req.path);
    if (match) return this.instance(req, match[1], match[2], match[3]);
    return json(404, { error: { code: 404, message: 'Not Found' } });
  }

  private async token(req: RecordedRequest): Promise<FakeResponse> {
    const form = new URLSearchParams(req.body);
    const assertion = form.get('assertion') ?? '';
    if (form.get('grant_type') !== JWT_BEARER) return json(400, { error: 'unsupported_grant_type' });
    let email: unknown;
    try {
      email = decodeJwt(assertion).iss;
    } catch {
      return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT' });
    }
    const key = typeof email === 'string' ? this.serviceAccounts.get(email) : undefined;
    try {
      if (key === undefined) throw new Error('unknown service account');
      await compactVerify(assertion, key, { algorithms: ['RS256'] });
    } catch {
      return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    return json(200, { access_token: this.issueAccessToken(), expires_in: 3599, token_type: 'Bearer' });
  }

  private async caller(req: RecordedRequest): Promise<GoogleCaller | undefined> {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return undefined;
    const token = auth.slice(7);
    if (this.accessTokens.has(token)) return { kind: 'access-token' };
    const email = await verifyJwtAccess(token, this.serviceAccounts, COMPUTE_ACCESS);
    return email === undefined ? undefined : { kind: 'self-signed-jwt', email };
  }

  private async instance(
    req: RecordedRequest,
    project: string,
    zone: string,
    name: string,
  ): Promise<FakeResponse> {
    const caller = await this.caller(req);
    if (caller === undefined) {
      return json(401, {
        error: { code: 401, message: 'Request is missing required authentication credential.' },
      });
    }
    this.computeCallers.push(caller);
    const instance = this.instances.get(`${project}/${zone}/${name}`);
    if (!instance) {
      return json(404, {
        error: {
          code: 404,
          message: `The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`,
        },
      });
    }
    return json(200, {
      kind: 'compute#instance',
      id: instance.id,
      name: instance.name,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      tags: { items: instance.tags, fingerprint: 'abc=' },
      labels: instance.labels,
      metadata: {
        kind: 'compute#metadata',
        items: Object.entries(instance.metadata).map(([key, value]) => ({ key, value })),
      },
      serviceAccounts: instance.serviceAccounts.map((email) => ({ email, scopes: [] })),
    });
  }
}
