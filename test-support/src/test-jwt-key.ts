import * as crypto from 'node:crypto';
import { generateTestKey, jwsAlgorithmFor, jwsSign, type TestKeyType } from './test-keys';

/** A public JWK as it appears in a JWKS or a SPIFFE bundle. */
export interface TestJwk {
  kty: string;
  kid?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  x5c?: string[];
  [member: string]: unknown;
}

/** A JSON Web Key Set. */
export interface TestJwks {
  keys: TestJwk[];
  [member: string]: unknown;
}

/** Options for {@link TestJwtKey.signJwtSvid}. */
export interface JwtSvidClaimsOptions {
  /** `sub`: the workload's SPIFFE ID. */
  spiffeId: string;
  /** `aud`: one string or a list. */
  audience: string | string[];
  /** Lifetime from now in seconds (default 300); `exp` = now + ttl. */
  ttlSeconds?: number;
  /** Overrides "now" (seconds since the epoch) for `iat` and `exp`. */
  nowSeconds?: number;
  /** Extra or replacement claims; a value of `undefined` removes the claim (e.g. `{ exp: undefined }`). */
  claims?: Record<string, unknown>;
  /** Extra or replacement JOSE header members; `undefined` removes one (e.g. `{ kid: undefined }`). */
  header?: Record<string, unknown>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/**
 * A JWT-SVID signing key of a test trust domain. Signs with `node:crypto` (ES256 for P-256, ES384 for P-384,
 * RS256 for RSA). Header and claims can be overridden freely to produce invalid tokens for negative tests.
 */
export class TestJwtKey {
  /** Key ID written into the JOSE header and the JWKS. */
  readonly kid: string;
  /** JWS algorithm used by {@link sign}. */
  readonly alg: string;
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;

  constructor(kid: string, keyType: TestKeyType = 'ec-p256') {
    const pair = generateTestKey(keyType);
    this.kid = kid;
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.alg = jwsAlgorithmFor(pair.privateKey);
  }

  /** The public key as a JWK with `kid`; pass `use` to add a `use` member (SPIFFE bundles use `jwt-svid`). */
  publicJwk(use?: string): TestJwk {
    const jwk = this.publicKey.export({ format: 'jwk' }) as TestJwk;
    return { ...jwk, kid: this.kid, ...(use ? { use } : {}) };
  }

  /** Signs arbitrary claims as a compact JWS with header `{alg, kid, typ: 'JWT'}` plus `header` overrides. */
  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const fullHeader = withoutUndefined({ alg: this.alg, kid: this.kid, typ: 'JWT', ...header });
    const signingInput = `${base64url(JSON.stringify(fullHeader))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(jwsSign(this.privateKey, Buffer.from(signingInput, 'ascii')))}`;
  }

  /** Signs a JWT-SVID with `sub`, `aud`, `exp`, `iat` (SPIRE's claim set), applying any overrides. */
  signJwtSvid(options: JwtSvidClaimsOptions): string {
    const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    const claims = withoutUndefined({
      sub: options.spiffeId,
      aud: options.audience,
      exp: now + (options.ttlSeconds ?? 300),
      iat: now,
      ...options.claims,
    });
    return this.sign(claims, options.header);
  }
}
