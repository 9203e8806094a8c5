import { randomBytes, randomUUID } from 'node:crypto';
import { json, type FakeResponse } from '../cloud/http-fake';
import { HttpsFake, type HttpsFakeOptions, type TlsRecordedRequest } from '../kube/https-fake';
import { RSA_ALGORITHMS, isRejection, peekClaims, verifyFederatedToken } from './oidc-token-verifier';

/** A federated identity credential on an app registration: exact issuer, subject and one audience. */
export interface FakeFederatedIdentityCredential {
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  /** Exactly one value, e.g. `api://AzureADTokenExchange`. */
  readonly audiences: readonly [string];
}

/** An app registration (or user-assigned managed identity) the tenant knows, with its FICs. */
export interface FakeEntraApp {
  readonly clientId: string;
  readonly federatedCredentials: readonly FakeFederatedIdentityCredential[];
}

/** An access token the fake issued. */
export interface IssuedEntraToken {
  readonly clientId: string;
  readonly subject: string;
  readonly scope: string;
  readonly accessToken: string;
}

/** Options of {@link FakeEntraId}. */
export interface FakeEntraIdOptions extends HttpsFakeOptions {
  /** Tenant GUID (a fresh one by default). */
  readonly tenantId?: string;
  /** Leeway on `exp`/`nbf`/`iat` in seconds (default 300, Entra's documented skew). */
  readonly clockSkewSeconds?: number;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Loopback HTTPS fake of Entra ID's v2 endpoints a `WorkloadIdentityCredential` uses:
 * `GET /<tenant>/v2.0/.well-known/openid-configuration` and `POST /<tenant>/oauth2/v2.0/token` (client credentials
 * with a JWT `client_assertion`). The assertion must match one of the app's federated identity credentials exactly
 * (issuer, then subject, then audience), be RSA-signed by a key from its issuer's JWKS and be within its validity
 * window; refusals are AADSTS error documents.
 */
export class FakeEntraId extends HttpsFake {
  readonly tenantId: string;
  readonly apps = new Map<string, FakeEntraApp>();
  /** Tokens issued, oldest first. */
  readonly issued: IssuedEntraToken[] = [];
  private readonly clockSkewSeconds: number;

  constructor(options: FakeEntraIdOptions = {}) {
    super((req) => this.route(req), options);
    this.tenantId = options.tenantId ?? randomUUID();
    this.clockSkewSeconds = options.clockSkewSeconds ?? 300;
  }

  /** Registers an app with its federated identity credentials. */
  addApp(app: FakeEntraApp): void {
    this.apps.set(app.clientId, app);
  }

  /** What `AZURE_AUTHORITY_HOST` is set to for SDKs (the base URL with a trailing slash). */
  get authorityHost(): string {
    return `${this.url}/`;
  }

  private async route(req: TlsRecordedRequest): Promise<FakeResponse> {
    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
      req.path,
    );
    if (!match) return { status: 404 };
    const [, tenant, endpoint] = match;
    if (tenant !== this.tenantId) {
      return aadsts(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    }
    if (endpoint.startsWith('v2.0')) {
      return req.method === 'GET' ? json(200, this.metadata()) : { status: 405 };
    }
    if (req.method !== 'POST') return { status: 405 };
    return this.token(new URLSearchParams(req.body));
  }

  private metadata(): Record<string, unknown> {
    const base = `${this.url}/${this.tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  private async token(form: URLSearchParams): Promise<FakeResponse> {
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return aadsts(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${String(grantType)}'.`,
      );
    }
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(clientId);
    if (!app) {
      return aadsts(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`,
      );
    }
    const scope = form.get('scope') ?? '';
    if (!/^\S+\/\.default$/.test(scope)) {
      return aadsts(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return aadsts(
        400,
        'invalid_request',
        7000218,
        `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`,
      );
    }
    const assertion = form.get('client_assertion') ?? '';
    const claims = peekClaims(assertion);
    if (!claims) return aadsts(400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
    const { iss, sub } = claims;
    const byIssuer = app.federatedCredentials.filter((f) => f.issuer === iss);
    if (byIssuer.length === 0) {
      return aadsts(
        400,
        'invalid_client',
        700211,
        `No matching federated identity record found for presented assertion issuer '${String(iss)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
      );
    }
    const bySubject = byIssuer.filter((f) => f.subject === sub);
    if (bySubject.length === 0) {
      return aadsts(
        400,
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${String(sub)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
      );
    }
    const fic = bySubject[0];
    const verified = await verifyFederatedToken(assertion, {
      issuer: fic.issuer,
      audiences: fic.audiences,
      algorithms: RSA_ALGORITHMS,
      clockSkewSeconds: this.clockSkewSeconds,
    });
    if (isRejection(verified)) {
      switch (verified.reason) {
        case 'algorithm':
          return aadsts(
            400,
            'invalid_client',
            5002738,
            `Invalid JWT token. '${String(peekHeaderAlg(assertion))}' is not a supported signature algorithm. Supported signing algorithms are: '${RSA_ALGORITHMS.join(',')}'`,
          );
        case 'audience':
          return aadsts(
            400,
            'invalid_client',
            700212,
            `No matching federated identity record found for presented assertion audience '${String(claims.aud)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
          );
        case 'expired':
        case 'not-yet-valid':
        case 'issued-in-future':
          return aadsts(
            400,
            'invalid_client',
            700024,
            `Client assertion is not within its valid time range. ${verified.detail}`,
          );
        case 'idp-unreachable':
        case 'discovery':
          return aadsts(
            400,
            'invalid_client',
            50166,
            `Request to External OIDC endpoint failed. ${verified.detail}`,
          );
        default:
          return aadsts(
            400,
            'invalid_client',
            700027,
            `Client assertion failed signature validation. ${verified.detail}`,
          );
      }
    }
    const accessToken = `eyJ0eXAiOiJKV1QifQ.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    this.issued.push({ clientId, subject: verified.sub, scope, accessToken });
    return json(200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: accessToken,
    });
  }
}

function peekHeaderAlg(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { alg?: unknown })
      .alg;
  } catch {
    return undefined;
  }
}

/** An Entra error document: `error`, `error_description` starting with the AADSTS code, `error_codes`, ids. */
function aadsts(status: number, error: string, code: number, message: string): FakeResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
