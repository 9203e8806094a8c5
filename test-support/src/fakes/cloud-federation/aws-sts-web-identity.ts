import { randomBytes, randomUUID } from 'node:crypto';
import { STS_XML_NAMESPACE as NS, stsError, stsXml, xmlEscape as esc } from '../cloud/aws-xml';
import { HttpFake, type FakeResponse, type RecordedRequest } from '../cloud/http-fake';
import { type IamTrustPolicy, oidcProviderKey, trustPolicyAllows } from './aws-trust-policy';
import {
  ASYMMETRIC_ALGORITHMS,
  type OidcRejection,
  isRejection,
  peekClaims,
  verifyFederatedToken,
} from './oidc-token-verifier';

/** An IAM OIDC identity provider: the issuer URL and its client-ID list (the accepted audiences). */
export interface FakeIamOidcProvider {
  readonly url: string;
  readonly clientIds: readonly string[];
}

/** A role that can be assumed with a web identity. */
export interface FakeWebIdentityRole {
  readonly roleArn: string;
  readonly trustPolicy: IamTrustPolicy;
  /** `MaxSessionDuration` in seconds (default 3600). */
  readonly maxSessionDurationSeconds?: number;
}

/** Credentials the fake issued, so tests can check who received what. */
export interface IssuedWebIdentitySession {
  readonly roleArn: string;
  readonly subject: string;
  readonly audience: string;
  readonly sessionName: string;
  readonly accessKeyId: string;
  readonly expiration: Date;
}

/** Options of {@link FakeAwsStsWebIdentity}. */
export interface FakeAwsStsOptions {
  /** Account of the IAM OIDC providers (default 111122223333). */
  readonly accountId?: string;
  /** Leeway on `exp`/`nbf`/`iat` in seconds (default 0: AWS's exact value is not published). */
  readonly clockSkewSeconds?: number;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Loopback fake of AWS STS `AssumeRoleWithWebIdentity` (Query API: unsigned form POST or GET, XML answers and
 * `ErrorResponse` documents with AWS's codes). The token is verified against the registered IAM OIDC provider of
 * its `iss` (discovery + JWKS fetched from the issuer, client-ID list as audiences), then the role's trust policy
 * is evaluated with the `<provider>:aud` and `<provider>:sub` condition keys.
 */
export class FakeAwsStsWebIdentity extends HttpFake {
  readonly providers: FakeIamOidcProvider[] = [];
  readonly roles = new Map<string, FakeWebIdentityRole>();
  /** Sessions issued, oldest first. */
  readonly issued: IssuedWebIdentitySession[] = [];
  readonly accountId: string;
  private readonly clockSkewSeconds: number;

  constructor(options: FakeAwsStsOptions = {}) {
    super((req, url) => this.route(req, url));
    this.accountId = options.accountId ?? '111122223333';
    this.clockSkewSeconds = options.clockSkewSeconds ?? 0;
  }

  /** Registers an IAM OIDC provider; returns its ARN (what trust policies name as `Federated`). */
  addOidcProvider(provider: FakeIamOidcProvider): string {
    this.providers.push(provider);
    return this.providerArn(provider.url);
  }

  /** Registers a role. */
  addRole(role: FakeWebIdentityRole): void {
    this.roles.set(role.roleArn, role);
  }

  /** `arn:aws:iam::<account>:oidc-provider/<host[/path]>` of an issuer URL. */
  providerArn(issuer: string): string {
    return `arn:aws:iam::${this.accountId}:oidc-provider/${oidcProviderKey(issuer)}`;
  }

  private async route(req: RecordedRequest, url: URL): Promise<FakeResponse> {
    let params: URLSearchParams;
    if (req.method === 'POST') params = new URLSearchParams(req.body);
    else if (req.method === 'GET') params = url.searchParams;
    else return stsError(405, 'Sender', 'InvalidAction', 'only GET and POST are supported');
    const action = params.get('Action');
    if (action !== 'AssumeRoleWithWebIdentity') {
      return stsError(
        400,
        'Sender',
        'InvalidAction',
        `Could not find operation ${String(action)} for version ${String(params.get('Version'))}`,
      );
    }
    if (params.get('Version') !== '2011-06-15') {
      return stsError(
        400,
        'Sender',
        'InvalidAction',
        `Could not find operation ${action} for version ${String(params.get('Version'))}`,
      );
    }
    const invalid = validateParams(params);
    if (invalid) return stsError(400, 'Sender', 'ValidationError', invalid);
    return this.assumeRole(params);
  }

  private async assumeRole(params: URLSearchParams): Promise<FakeResponse> {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const token = params.get('WebIdentityToken') ?? '';
    const role = this.roles.get(roleArn);
    const duration = Number(params.get('DurationSeconds') ?? '3600');
    if (role && duration > (role.maxSessionDurationSeconds ?? 3600)) {
      return stsError(
        400,
        'Sender',
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const iss = peekClaims(token)?.iss;
    const provider = this.providers.find((p) => p.url === iss);
    if (!provider) {
      return stsError(
        400,
        'Sender',
        'InvalidIdentityToken',
        `No OpenIDConnect provider found in your account for ${String(iss)}`,
      );
    }
    const verified = await verifyFederatedToken(token, {
      issuer: provider.url,
      audiences: provider.clientIds,
      algorithms: ASYMMETRIC_ALGORITHMS,
      clockSkewSeconds: this.clockSkewSeconds,
    });
    if (isRejection(verified)) return tokenError(verified);
    const prefix = oidcProviderKey(provider.url);
    const allowed =
      role !== undefined &&
      trustPolicyAllows(role.trustPolicy, {
        providerArn: this.providerArn(provider.url),
        keys: { [`${prefix}:aud`]: verified.matchedAudience, [`${prefix}:sub`]: verified.sub },
      });
    if (!allowed)
      return stsError(
        403,
        'Sender',
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + duration * 1000);
    const roleName = roleArn.split('/').pop() ?? 'role';
    this.issued.push({
      roleArn,
      subject: verified.sub,
      audience: verified.matchedAudience,
      sessionName,
      accessKeyId,
      expiration,
    });
    return stsXml(
      200,
      `<AssumeRoleWithWebIdentityResponse xmlns="${NS}"><AssumeRoleWithWebIdentityResult>` +
        `<SubjectFromWebIdentityToken>${esc(verified.sub)}</SubjectFromWebIdentityToken>` +
        `<Audience>${esc(verified.matchedAudience)}</Audience>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::${this.accountId}:assumed-role/${esc(roleName)}/${esc(sessionName)}</Arn>` +
        `<AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${esc(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
        `<SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(96).toString('base64')}</SessionToken>` +
        `<Expiration>${expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration></Credentials>` +
        `<Provider>${esc(provider.url)}</Provider>` +
        `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
        `</AssumeRoleWithWebIdentityResponse>`,
    );
  }
}

/** The first parameter constraint violated, worded as AWS's validation errors are, or `undefined`. */
function validateParams(params: URLSearchParams): string | undefined {
  const constraint = (value: string | null, member: string, rule: string): string =>
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`;
  const roleArn = params.get('RoleArn');
  if (roleArn === null || roleArn.length < 20 || roleArn.length > 2048) {
    return constraint(roleArn, 'roleArn', 'Member must have length between 20 and 2048');
  }
  const session = params.get('RoleSessionName');
  if (session === null || !SESSION_NAME.test(session)) {
    return constraint(
      session,
      'roleSessionName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64',
    );
  }
  const token = params.get('WebIdentityToken');
  if (token === null || token.length < 4 || token.length > 20000) {
    return constraint('***', 'webIdentityToken', 'Member must have length between 4 and 20000');
  }
  const duration = params.get('DurationSeconds');
  if (duration !== null && (!/^\d+$/.test(duration) || Number(duration) < 900 || Number(duration) > 43200)) {
    return constraint(duration, 'durationSeconds', 'Member must have value between 900 and 43200');
  }
  return undefined;
}

/** Maps a token refusal to the STS error AWS answers with. */
function tokenError(rejection: OidcRejection): FakeResponse {
  switch (rejection.reason) {
    case 'expired':
      return stsError(400, 'Sender', 'ExpiredTokenException', `Token expired: ${rejection.detail}`);
    case 'idp-unreachable':
      return stsError(
        400,
        'Sender',
        'IDPCommunicationError',
        `Couldn't retrieve verification key from your identity provider: ${rejection.detail}`,
      );
    case 'discovery':
    case 'unknown-kid':
      return stsError(
        400,
        'Sender',
        'InvalidIdentityToken',
        `Couldn't retrieve verification key from your identity provider: ${rejection.detail}`,
      );
    case 'audience':
      return stsError(400, 'Sender', 'InvalidIdentityToken', `Incorrect token audience: ${rejection.detail}`);
    default:
      return stsError(400, 'Sender', 'InvalidIdentityToken', rejection.detail);
  }
}
