import { checkPayloadSize } from '@lanyard/attestor-core';
import { type ExternalJwtFailure, malformedReason, verifyExternalJwt } from '@lanyard/attestor-core/server';
import { InvalidArgumentError, type LanyardError, PermissionDeniedError } from '@lanyard/base';
import type { GoogleKeySet } from './google-keys';
import {
  type ComputeEngineClaims,
  GCP_IIT_AUDIENCE,
  GCP_IIT_MAX_TOKEN_BYTES,
  type GceIdentity,
} from './shared';

const ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const LEEWAY_SECONDS = 60;

/**
 * Verifies a GCE identity token: compact RS256 JWT signed by a Google key, issuer Google, audience
 * `spire-gcp-node-attestor`, not expired (60 s leeway), with `google.compute_engine` claims.
 * @throws InvalidArgumentError for a malformed token; PermissionDeniedError when it does not verify.
 */
export async function verifyIdentityToken(
  payload: Buffer,
  keys: GoogleKeySet,
  nowMs: number,
): Promise<GceIdentity> {
  if (payload.length === 0) throw invalid('missing attestation payload');
  checkPayloadSize(payload, { what: 'identity token', maxBytes: GCP_IIT_MAX_TOKEN_BYTES, invalid });
  const claims = await verifyExternalJwt(payload.toString('utf8'), {
    algorithms: ['RS256'],
    key: (kid) => keys.key(kid),
    clockToleranceSeconds: LEEWAY_SECONDS,
    nowMs,
    issuers: ISSUERS,
    audience: GCP_IIT_AUDIENCE,
    fail: tokenError,
  });
  return {
    email: typeof claims.email === 'string' ? claims.email : '',
    computeEngine: computeEngine(claims),
  };
}

/** The error (status and wording) for each way the identity token can fail verification. */
function tokenError(failure: ExternalJwtFailure): LanyardError {
  switch (failure.kind) {
    case 'malformed':
      return invalid(`unable to parse the identity token: ${malformedReason(failure)}`);
    case 'algorithm':
      return invalid(`identity token alg ${JSON.stringify(failure.alg)} is not RS256`);
    case 'missing-kid':
      return invalid('identity token header has no kid');
    case 'unknown-kid':
      return denied(`identity token is signed with unknown key ${failure.kid}`);
    case 'signature':
      return denied('failed to validate the identity token signature');
    case 'issuer':
      return denied(`identity token issuer ${JSON.stringify(failure.iss)} is not Google`);
    case 'audience':
      return denied(
        `identity token audience ${JSON.stringify(failure.aud)} does not include ${GCP_IIT_AUDIENCE}`,
      );
    case 'missing-exp':
      return invalid('identity token has no exp claim');
    case 'expired':
      return denied('identity token has expired');
    case 'not-yet-valid':
      return denied(
        failure.claim === 'iat'
          ? 'identity token is issued in the future'
          : 'identity token is not valid yet',
      );
  }
}

function computeEngine(claims: Record<string, unknown>): ComputeEngineClaims {
  const google = claims.google as { compute_engine?: Record<string, unknown> } | undefined;
  const ce = google?.compute_engine;
  if (typeof ce !== 'object' || ce === null) {
    throw invalid('identity token has no google.compute_engine claims (was it requested with format=full?)');
  }
  for (const field of ['project_id', 'zone', 'instance_id', 'instance_name']) {
    if (typeof ce[field] !== 'string' || ce[field] === '')
      throw invalid(`identity token claim google.compute_engine.${field} is missing`);
  }
  return {
    projectId: ce.project_id as string,
    projectNumber: Number(ce.project_number ?? 0),
    zone: ce.zone as string,
    instanceId: ce.instance_id as string,
    instanceName: ce.instance_name as string,
    instanceCreationTimestamp: Number(ce.instance_creation_timestamp ?? 0),
  };
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`gcp_iit: ${reason}`, 'ERR_GCP_IIT_TOKEN');
}

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(`gcp_iit: ${reason}`, 'ERR_GCP_IIT_TOKEN');
}
