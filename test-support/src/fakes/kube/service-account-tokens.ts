import { randomUUID, verify } from 'node:crypto';
import { TestJwtKey } from '../../test-jwt-key';

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
   * Verifies signature, issuer and validity window.
   * @returns the claims, or a string saying why the token is not valid (the TokenReview `status.error`).
   */
  verify(token: string, nowSeconds: number): VerifiedTokenClaims | string {
    const parts = token.split('.');
    if (parts.length !== 3) return 'invalid bearer token, token is not a JWS';
    let header: { alg?: string; kid?: string };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 'invalid bearer token, token is not valid JSON';
    }
    const key = this.keys.find((k) => k.kid === header.kid);
    if (!key || header.alg !== 'RS256') return 'invalid bearer token, no key matches the token';
    const input = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    if (!verify('sha256', input, key.publicKey, Buffer.from(parts[2], 'base64url'))) {
      return 'invalid bearer token, crypto/rsa: verification error';
    }
    if (claims.iss !== this.issuer) return 'invalid bearer token, token issuer is not trusted';
    if (typeof claims.exp !== 'number' || claims.exp < nowSeconds)
      return 'invalid bearer token, token has expired';
    if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 60) {
      return 'invalid bearer token, token is not valid yet';
    }
    const aud = typeof claims.aud === 'string' ? [claims.aud] : ((claims.aud as string[] | undefined) ?? []);
    return {
      sub: String(claims.sub),
      aud,
      exp: claims.exp,
      nbf: claims.nbf as number | undefined,
      jti: claims.jti as string | undefined,
      k8s: (claims['kubernetes.io'] ?? {}) as VerifiedTokenClaims['k8s'],
    };
  }
}
