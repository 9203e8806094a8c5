import { randomBytes } from 'node:crypto';
import { HttpFake, json, type FakeResponse, type RecordedRequest } from '../cloud/http-fake';
import { ASYMMETRIC_ALGORITHMS, isRejection, verifyFederatedToken } from './oidc-token-verifier';

/** The attribute condition subset the fake evaluates: `assertion.sub == "…"` or `assertion.sub.startsWith("…")`. */
export type FakeAttributeCondition = { readonly subjectEquals: string } | { readonly subjectPrefix: string };

/** A workload identity pool provider (OIDC). */
export interface FakeWorkloadIdentityProvider {
  /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
  readonly name: string;
  readonly issuerUri: string;
  /** Accepted audiences; when empty, the token's `aud` must be the provider's full resource name. */
  readonly allowedAudiences?: readonly string[];
  readonly attributeCondition?: FakeAttributeCondition;
  readonly disabled?: boolean;
}

/** A service account and the federated principals allowed to impersonate it (`roles/iam.workloadIdentityUser`). */
export interface FakeServiceAccount {
  readonly email: string;
  /** `principal://iam.googleapis.com/<pool>/subject/<sub>` identifiers. */
  readonly workloadIdentityUsers: readonly string[];
}

/** A token the fake issued (federated by STS, or a service-account token by IAM Credentials). */
export interface IssuedGcpToken {
  readonly kind: 'federated' | 'service-account';
  /** `principal://…/subject/<sub>` for federated tokens, the email for service-account tokens. */
  readonly principal: string;
  readonly accessToken: string;
  readonly scopes: readonly string[];
}

/** Options of {@link FakeGcpFederation}. */
export interface FakeGcpFederationOptions {
  /** Leeway on `exp`/`nbf`/`iat` in seconds (default 300; Google's exact value is not published). */
  readonly clockSkewSeconds?: number;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
];
const PROVIDER_NAME = /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/;
const MAX_ASSERTION_LIFETIME_SECONDS = 24 * 3600;

/**
 * Loopback fake of Google's STS `POST /v1/token` (RFC 8693 exchange of an OIDC token for a federated access token
 * under a workload identity pool provider) and IAM Credentials
 * `POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken` (impersonation with that access token). Serve
 * both from one base URL: `token_url` = `<url>/v1/token`, impersonation URL =
 * `<url>/v1/projects/-/serviceAccounts/<email>:generateAccessToken`.
 */
export class FakeGcpFederation extends HttpFake {
  readonly providers = new Map<string, FakeWorkloadIdentityProvider>();
  readonly serviceAccounts = new Map<string, FakeServiceAccount>();
  /** Tokens issued, oldest first. */
  readonly issued: IssuedGcpToken[] = [];
  private readonly clockSkewSeconds: number;

  constructor(options: FakeGcpFederationOptions = {}) {
    super((req, url) => this.route(req, url));
    this.clockSkewSeconds = options.clockSkewSeconds ?? 300;
  }

  /** Registers a provider. */
  addProvider(provider: FakeWorkloadIdentityProvider): void {
    this.providers.set(provider.name, provider);
  }

  /** Registers a service account. */
  addServiceAccount(account: FakeServiceAccount): void {
    this.serviceAccounts.set(account.email, account);
  }

  /** The STS token URL (`token_url` of an `external_account` file). */
  get tokenUrl(): string {
    return `${this.url}/v1/token`;
  }

  /** The impersonation URL of a service account. */
  impersonationUrl(email: string): string {
    return `${this.url}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`;
  }

  private async route(req: RecordedRequest, url: URL): Promise<FakeResponse> {
    if (req.method !== 'POST') return { status: 405 };
    if (url.pathname === '/v1/token') return this.exchange(new URLSearchParams(req.body));
    const impersonate = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
      url.pathname,
    );
    if (impersonate) return this.generateAccessToken(decodeURIComponent(impersonate[1]), req);
    return googleError(404, 'NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
  }

  private async exchange(form: URLSearchParams): Promise<FakeResponse> {
    if (form.get('grant_type') !== TOKEN_EXCHANGE) {
      return oauthError(
        400,
        'unsupported_grant_type',
        `Invalid value for "grant_type": ${String(form.get('grant_type'))}`,
      );
    }
    if (form.get('requested_token_type') !== ACCESS_TOKEN_TYPE) {
      return oauthError(400, 'invalid_request', `Invalid value for "requested_token_type".`);
    }
    const subjectTokenType = form.get('subject_token_type') ?? '';
    if (!SUBJECT_TOKEN_TYPES.includes(subjectTokenType)) {
      return oauthError(
        400,
        'invalid_request',
        `Invalid value for "subject_token_type": ${subjectTokenType}`,
      );
    }
    const audience = form.get('audience') ?? '';
    const name = audience.replace(/^(\/\/|https:\/\/)iam\.googleapis\.com\//, '');
    if (name === audience || !PROVIDER_NAME.test(name)) {
      return oauthError(
        400,
        'invalid_request',
        'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.',
      );
    }
    const provider = this.providers.get(name);
    if (!provider || provider.disabled) {
      return oauthError(
        400,
        'invalid_target',
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
      );
    }
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
    const allowed = provider.allowedAudiences?.length
      ? provider.allowedAudiences
      : [`//iam.googleapis.com/${name}`, `https://iam.googleapis.com/${name}`];
    const verified = await verifyFederatedToken(form.get('subject_token') ?? '', {
      issuer: provider.issuerUri,
      audiences: allowed,
      algorithms: ASYMMETRIC_ALGORITHMS,
      clockSkewSeconds: this.clockSkewSeconds,
      maxLifetimeSeconds: MAX_ASSERTION_LIFETIME_SECONDS,
    });
    if (isRejection(verified)) {
      const messages: Partial<Record<typeof verified.reason, string>> = {
        issuer: `The issuer in ID Token does not match the expected ones: ${verified.detail}`,
        audience: `The audience in ID Token does not match the expected audience. ${verified.detail}`,
        expired: `ID Token has expired. ${verified.detail}`,
      };
      return oauthError(
        400,
        'invalid_grant',
        messages[verified.reason] ?? `Invalid ID Token: ${verified.detail}`,
      );
    }
    if (!conditionHolds(provider.attributeCondition, verified.sub)) {
      return oauthError(
        400,
        'unauthorized_client',
        'The given credential is rejected by the attribute condition.',
      );
    }
    const pool = name.replace(/\/providers\/[^/]+$/, '');
    const accessToken = `ya29.d.${randomBytes(48).toString('base64url')}`;
    this.issued.push({
      kind: 'federated',
      principal: `principal://iam.googleapis.com/${pool}/subject/${verified.sub}`,
      accessToken,
      scopes,
    });
    const expiresIn = Math.max(1, Math.min(3600, verified.exp - Math.floor(Date.now() / 1000)));
    return json(
      200,
      {
        access_token: accessToken,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: expiresIn,
      },
      { 'cache-control': 'no-store' },
    );
  }

  private generateAccessToken(email: string, req: RecordedRequest): FakeResponse {
    const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const caller = this.issued.find((t) => t.kind === 'federated' && t.accessToken === bearer);
    if (!caller) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    const account = this.serviceAccounts.get(email);
    if (!account || !account.workloadIdentityUsers.includes(caller.principal)) {
      return googleError(
        403,
        'PERMISSION_DENIED',
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
      );
    }
    let body: { scope?: unknown; lifetime?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const scopes = body.scope;
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string')) {
      return googleError(400, 'INVALID_ARGUMENT', 'Scope required.');
    }
    const lifetime = body.lifetime === undefined ? '3600s' : String(body.lifetime);
    const seconds = /^(\d+)(?:\.\d+)?s$/.exec(lifetime)?.[1];
    if (seconds === undefined || Number(seconds) < 1 || Number(seconds) > 3600) {
      return googleError(400, 'INVALID_ARGUMENT', `The lifetime '${lifetime}' must be between 1s and 3600s.`);
    }
    const accessToken = `ya29.c.${randomBytes(48).toString('base64url')}`;
    this.issued.push({ kind: 'service-account', principal: email, accessToken, scopes: scopes as string[] });
    const expireTime = new Date(Math.floor(Date.now() / 1000) * 1000 + Number(seconds) * 1000);
    return json(200, { accessToken, expireTime: expireTime.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }
}

function conditionHolds(condition: FakeAttributeCondition | undefined, sub: string): boolean {
  if (!condition) return true;
  if ('subjectEquals' in condition) return sub === condition.subjectEquals;
  return sub.startsWith(condition.subjectPrefix);
}

function oauthError(status: number, error: string, description: string): FakeResponse {
  return json(status, { error, error_description: description });
}

function googleError(code: number, status: string, message: string): FakeResponse {
  return json(code, { error: { code, message, status } });
}
