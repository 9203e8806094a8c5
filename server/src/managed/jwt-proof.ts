/** Turns the ways an external token fails verification into `Unauthenticated` errors naming the problem. */
import type { ExternalJwtFailure } from '@lanyard/attestor-core/server';
import { malformedReason } from '@lanyard/attestor-core/server';
import { type LanyardError, UnauthenticatedError } from '@lanyard/base';

/** Clock skew allowed on `exp`, `nbf` and `iat`. */
export const TOKEN_LEEWAY_SECONDS = 60;

/** An `Unauthenticated` error for a `<cloud>` proof. */
export function proofError(cloud: string, reason: string): UnauthenticatedError {
  return new UnauthenticatedError(`${cloud} proof: ${reason}`, 'ERR_MANAGED_TOKEN');
}

/** The error builder `verifyExternalJwt` calls, with `expected` describing the accepted issuer and audience. */
export function tokenFailure(
  cloud: string,
  expected: { issuer: string; audience: string },
): (failure: ExternalJwtFailure) => LanyardError {
  return (failure) => proofError(cloud, describe(failure, expected));
}

function describe(failure: ExternalJwtFailure, expected: { issuer: string; audience: string }): string {
  switch (failure.kind) {
    case 'malformed':
      return `token is malformed: ${malformedReason(failure)}`;
    case 'algorithm':
      return `token alg ${JSON.stringify(failure.alg)} is not RS256`;
    case 'missing-kid':
      return 'token header has no kid';
    case 'unknown-kid':
      return `token is signed with unknown key ${failure.kid}`;
    case 'signature':
      return 'token signature does not verify';
    case 'missing-exp':
      return 'token has no exp claim';
    case 'expired':
      return 'token is expired';
    case 'not-yet-valid':
      return `token is not valid yet (${failure.claim} in the future)`;
    case 'issuer':
      return `token issuer ${JSON.stringify(failure.iss)} is not ${expected.issuer}`;
    case 'audience':
      return `token audience ${JSON.stringify(failure.aud)} is not ${expected.audience}`;
  }
}
