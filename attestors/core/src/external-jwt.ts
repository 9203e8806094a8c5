/** Verification of JWTs minted outside Lanyard (cloud identity tokens) through `jose`. */
import type { KeyObject } from 'node:crypto';
import type { JWTPayload, ProtectedHeaderParameters, errors } from 'jose';
import { LanyardError } from '@lanyard/base';

type Jose = typeof import('jose');
let joseModule: Promise<Jose> | undefined;

/** jose is loaded on first use, so processes that never verify an external token (the agent, CLIs) skip it. */
function loadJose(): Promise<Jose> {
  return (joseModule ??= import('jose'));
}

/** Why an external token was refused; the caller turns it into its own typed error and message. */
export type ExternalJwtFailure =
  | { readonly kind: 'malformed'; readonly part: 'token' | 'header' | 'claims'; readonly claim?: string }
  | { readonly kind: 'algorithm'; readonly alg: unknown }
  | { readonly kind: 'missing-kid' }
  | { readonly kind: 'unknown-kid'; readonly kid: string }
  | { readonly kind: 'signature' }
  | { readonly kind: 'missing-exp' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'not-yet-valid'; readonly claim: 'nbf' | 'iat' }
  | { readonly kind: 'issuer'; readonly iss: unknown }
  | { readonly kind: 'audience'; readonly aud: unknown };

/** A malformed token's problem in words: `not a compact JWT`, `header is not a JSON object`, `claim nbf is invalid`. */
export function malformedReason(failure: Extract<ExternalJwtFailure, { kind: 'malformed' }>): string {
  if (failure.part === 'token') return 'not a compact JWT';
  return failure.claim ? `claim ${failure.claim} is invalid` : `${failure.part} is not a JSON object`;
}

/** What {@link verifyExternalJwt} accepts and checks. */
export interface ExternalJwtOptions {
  /** Accepted JWS `alg` values (e.g. `['RS256']`); `none` and anything else are refused. */
  readonly algorithms: readonly string[];
  /** The issuer's public key for a `kid`, or `undefined` when the issuer does not publish it. */
  readonly key: (kid: string) => Promise<KeyObject | undefined>;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** The time to validate at, in milliseconds since the epoch. */
  readonly nowMs: number;
  /** When set, `iss` must be one of these. */
  readonly issuers?: readonly string[];
  /** When set, `aud` (a string or a list) must contain this. */
  readonly audience?: string;
  /** Builds the error thrown for a failure (a {@link LanyardError} carrying the caller's status and wording). */
  readonly fail: (failure: ExternalJwtFailure) => LanyardError;
}

/**
 * Verifies a compact JWS JWT with `jose`: allowed `alg`, a `kid` whose key `options.key` finds, the signature,
 * then `iss`/`aud` when asked, a required `exp`, and `exp`/`nbf`/`iat` within the clock tolerance.
 * Every refusal goes through `options.fail`; errors thrown by `options.key` (e.g. an unreachable key endpoint)
 * pass through unchanged.
 *
 * @example
 * ```ts
 * const claims = await verifyExternalJwt(token, {
 *   algorithms: ['RS256'], key: (kid) => keys.key(kid), clockToleranceSeconds: 60, nowMs: Date.now(),
 *   issuers: ['https://accounts.google.com'], audience: 'spire-gcp-node-attestor', fail: toGcpError,
 * });
 * ```
 * @returns the verified claims.
 */
export async function verifyExternalJwt(token: string, options: ExternalJwtOptions): Promise<JWTPayload> {
  const jose = await loadJose();
  const header = peekHeader(jose, token, options.fail);
  const nowSeconds = Math.floor(options.nowMs / 1000);
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jose.jwtVerify(token, (h) => resolveKey(h, options), {
      algorithms: [...options.algorithms],
      clockTolerance: options.clockToleranceSeconds,
      currentDate: new Date(nowSeconds * 1000),
      issuer: options.issuers ? [...options.issuers] : undefined,
      audience: options.audience,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw translate(jose, error, header, options.fail);
  }
  if (typeof claims.iat === 'number' && claims.iat - options.clockToleranceSeconds > nowSeconds)
    throw options.fail({ kind: 'not-yet-valid', claim: 'iat' });
  return claims;
}

/** The unverified JOSE header, after checking the token has the three parts of a compact JWS. */
function peekHeader(jose: Jose, token: string, fail: ExternalJwtOptions['fail']): ProtectedHeaderParameters {
  if (token.split('.').length !== 3) throw fail({ kind: 'malformed', part: 'token' });
  try {
    return jose.decodeProtectedHeader(token);
  } catch {
    throw fail({ kind: 'malformed', part: 'header' });
  }
}

async function resolveKey(
  header: ProtectedHeaderParameters,
  options: ExternalJwtOptions,
): Promise<KeyObject> {
  if (typeof header.kid !== 'string' || header.kid === '') throw options.fail({ kind: 'missing-kid' });
  const key = await options.key(header.kid);
  if (!key) throw options.fail({ kind: 'unknown-kid', kid: header.kid });
  return key;
}

function translate(
  { errors }: Jose,
  error: unknown,
  header: ProtectedHeaderParameters,
  fail: ExternalJwtOptions['fail'],
): unknown {
  if (error instanceof LanyardError) return error;
  if (error instanceof errors.JOSEAlgNotAllowed) return fail({ kind: 'algorithm', alg: header.alg });
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail({ kind: 'signature' });
  if (error instanceof errors.JWTExpired) return fail({ kind: 'expired' });
  if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error, fail);
  if (error instanceof errors.JWTInvalid) return fail({ kind: 'malformed', part: 'claims' });
  if (error instanceof errors.JWSInvalid) {
    return typeof header.alg === 'string'
      ? fail({ kind: 'malformed', part: 'token' })
      : fail({ kind: 'algorithm', alg: header.alg });
  }
  // A published key that does not fit the algorithm (wrong type or curve, RSA under 2048 bits) cannot have
  // signed the token: jose says so with JOSENotSupported or a TypeError.
  if (error instanceof errors.JOSENotSupported || error instanceof TypeError)
    return fail({ kind: 'signature' });
  return error;
}

function claimFailure(
  error: errors.JWTClaimValidationFailed,
  fail: ExternalJwtOptions['fail'],
): LanyardError {
  switch (error.claim) {
    case 'iss':
      return fail({ kind: 'issuer', iss: error.payload.iss });
    case 'aud':
      return fail({ kind: 'audience', aud: error.payload.aud });
    case 'exp':
      return fail({ kind: 'missing-exp' });
    case 'nbf':
      return error.reason === 'check_failed'
        ? fail({ kind: 'not-yet-valid', claim: 'nbf' })
        : fail({ kind: 'malformed', part: 'claims', claim: 'nbf' });
    default:
      return fail({ kind: 'malformed', part: 'claims', claim: error.claim });
  }
}
