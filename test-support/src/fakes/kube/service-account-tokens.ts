import { type KeyObject, randomUUID } from 'node:crypto';
import { type JWTPayload, errors, jwtVerify } from 'jose';
import { TestJwtKey } from '../../test-jwt-key';

const NBF_LEEWAY_SECONDS = 60;

/** What a projected service-account token is bound to. */
export interface ServiceAccountTokenOptions {
  namespace: string;
  serviceAccount: string;
  /** `aud`; default `['spire-server']`. */
  audiences?: string[];
  podName?: string;
  podUid?: string;
  /** Kubernetes ≥ 1.30 binds the node too (`kubernetes.io.node`). */
  nodeName?: string;
  nodeUid?: string;
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
  /** Overrides "now" (seconds since the epoch) for `iat`, `nbf` and `exp`. */
  nowSeconds?: number;
  /** Extra or replacement claims. */
  claims?: Record<string, unknown>;
}

/** Claims of a verified token, as the TokenReview fake reads them. */
export interface VerifiedTokenClaims {
  readonly sub: string;
  readonly aud: string[];
  readonly exp: number;
  readonly nbf?: number;
  readonly jti?: string;
  readonly k8s: {
    namespace?: string;
    pod?: { name: string; uid: string };
    node?: { name: string; uid: string };
    serviceaccount?: { name: string; uid: string };
  };
}

/**
 * The API server's service-account token issuer: signs projected tokens (RS256, Kubernetes' claim layout) and
 * verifies them the way the TokenReview authenticator does (signature by a known key, issuer, expiry).
 */
export class ServiceAccountIssuer {
  /** Keys whose signatures are accepted; the first one signs. */
  readonly keys: TestJwtKey[] = [new TestJwtKey(`sa-${randomUUID().slice(0, 8)}`, 'rsa-2048')];
  private readonly saUids = new Map<string, string>();

  constructor(readonly issuer = 'https://kubernetes.default.svc.cluster.local') {}

  /** Signs a projected service-account token. */
  issue(options: ServiceAccountTokenOptions, key: TestJwtKey = this.keys[0]): string {
    const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    const saKey = `${options.namespace}/${options.serviceAccount}`;
    if (!this.saUids.has(saKey)) this.saUids.set(saKey, randomUUID());
    const k8s: Record<string, unknown> = {
      namespace: options.namespace,
      serviceaccount: { name: options.serviceAccount, uid: this.saUids.get(saKey) },
    };
    if (options.podName) k8s.pod = { name: options.podName, uid: options.podUid ?? '' };
    if (options.nodeName) k8s.node = { name: options.nodeName, uid: options.nodeUid ?? '' };
    return key.sign({
      aud: options.audiences ?? ['spire-server'],
      exp: now + (options.ttlSeconds ?? 3600),
      iat: now,
      nbf: now,
      iss: this.issuer,
      jti: randomUUID(),
      sub: `system:serviceaccount:${options.namespace}:${options.serviceAccount}`,
      'kubernetes.io': k8s,
      ...options.claims,
    });
  }

  /**
   * Verifies signature (RS256 by one of {@link keys}), issuer and validity window with `jose`, as the API server's
   * service-account authenticator does: `nbf` may be up to 60 s ahead, `exp` has no leeway.
   * @returns the claims, or a string saying why the token is not valid (the TokenReview `status.error`).
   */
  async verify(token: string, nowSeconds: number): Promise<VerifiedTokenClaims | string> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, (header) => this.publicKeyFor(header.kid), {
        algorithms: ['RS256'],
        issuer: this.issuer,
        requiredClaims: ['exp'],
        currentDate: new Date(nowSeconds * 1000),
        clockTolerance: NBF_LEEWAY_SECONDS,
      }));
    } catch (error) {
      return rejection(error);
    }
    if ((claims.exp as number) < nowSeconds) return 'invalid bearer token, token has expired';
    return {
      sub: String(claims.sub),
      aud: typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []),
      exp: claims.exp as number,
      nbf: claims.nbf,
      jti: claims.jti,
      k8s: (claims['kubernetes.io'] ?? {}) as VerifiedTokenClaims['k8s'],
    };
  }

  private publicKeyFor(kid: string | undefined): KeyObject {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new NoMatchingKey();
    return key.publicKey;
  }
}

/** Thrown by the key lookup when no key has the token's `kid`. */
class NoMatchingKey extends Error {}

/** The authenticator's reason for a token `jose` refused. */
function rejection(error: unknown): string {
  if (error instanceof NoMatchingKey || error instanceof errors.JOSEAlgNotAllowed)
    return 'invalid bearer token, no key matches the token';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'invalid bearer token, crypto/rsa: verification error';
  if (error instanceof errors.JWTExpired) return 'invalid bearer token, token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'invalid bearer token, token issuer is not trusted';
    if (error.claim === 'exp') return 'invalid bearer token, token has expired';
    if (error.claim === 'nbf') return 'invalid bearer token, token is not valid yet';
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'invalid bearer token, token is not a JWS';
  throw error;
}
