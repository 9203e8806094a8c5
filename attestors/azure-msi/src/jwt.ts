import type { KeyObject } from 'node:crypto';
import { type ExternalJwtFailure, malformedReason, verifyExternalJwt } from '@lanyard/attestor-core/server';
import { InvalidArgumentError, type LanyardError, PermissionDeniedError } from '@lanyard/base';

/** What {@link verifyMsiToken} needs besides the token. */
export interface MsiTokenCheck {
  /** Entra ID's public key for a `kid`, or `undefined` when it is not published. */
  readonly key: (kid: string) => Promise<KeyObject | undefined>;
  /** Validation time in milliseconds since the epoch. */
  readonly nowMs: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. */
  readonly leewaySeconds: number;
  /** Plugin name that prefixes every message. */
  readonly plugin: string;
}

/**
 * Verifies an MSI access token's RS256 signature (key found by `kid`) and validity window through `jose`.
 * Issuer and audience depend on the verified `tid` claim, so the caller checks them.
 * @throws InvalidArgumentError for a malformed token, another alg or a missing kid; PermissionDeniedError when
 *   the key is unknown, the signature does not verify, or the token is expired or not valid yet.
 * @returns the verified claims.
 */
export async function verifyMsiToken(token: string, check: MsiTokenCheck): Promise<Record<string, unknown>> {
  return verifyExternalJwt(token, {
    algorithms: ['RS256'],
    key: check.key,
    clockToleranceSeconds: check.leewaySeconds,
    nowMs: check.nowMs,
    fail: (failure) => tokenError(failure, check.plugin),
  });
}

function tokenError(failure: ExternalJwtFailure, plugin: string): LanyardError {
  const invalid = (reason: string) => new InvalidArgumentError(`${plugin}: ${reason}`, 'ERR_JWT');
  const denied = (reason: string) => new PermissionDeniedError(`${plugin}: ${reason}`, 'ERR_JWT');
  switch (failure.kind) {
    case 'malformed':
      return invalid(`unable to parse token: ${malformedReason(failure)}`);
    case 'algorithm':
      return invalid(`token alg ${JSON.stringify(failure.alg)} is not RS256`);
    case 'missing-kid':
      return invalid('token missing key id');
    case 'unknown-kid':
      return denied(`key id "${failure.kid}" not found`);
    case 'signature':
      return denied('unable to verify token signature');
    case 'missing-exp':
      return invalid('token has no exp claim');
    case 'expired':
      return denied('token has expired');
    case 'not-yet-valid':
      return denied(`token is not valid yet (${failure.claim} in the future)`);
    case 'issuer':
    case 'audience':
      // Not requested from jose: both depend on the verified tenant, so the server checks them afterwards.
      return denied(`token ${failure.kind} is not accepted`);
  }
}
