import { verify } from 'node:crypto';
import { checkPayloadSize } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import type { GoogleKeySet } from './google-keys';
import {
  type ComputeEngineClaims,
  GCP_IIT_AUDIENCE,
  GCP_IIT_MAX_TOKEN_BYTES,
  type GceIdentity,
} from './shared';

const ISSUERS = new Set(['https://accounts.google.com', 'accounts.google.com']);
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
  const parts = payload.toString('utf8').split('.');
  if (parts.length !== 3) throw invalid('unable to parse the identity token: not a compact JWT');
  const header = decodeJson(parts[0], 'header');
  const claims = decodeJson(parts[1], 'claims');
  if (header.alg !== 'RS256') throw invalid(`identity token alg ${JSON.stringify(header.alg)} is not RS256`);
  if (typeof header.kid !== 'string') throw invalid('identity token header has no kid');
  const key = await keys.key(header.kid);
  if (!key) throw denied(`identity token is signed with unknown key ${header.kid}`);
  const signature = Buffer.from(parts[2], 'base64url');
  if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, signature)) {
    throw denied('failed to validate the identity token signature');
  }
  checkClaims(claims, Math.floor(nowMs / 1000));
  return {
    email: typeof claims.email === 'string' ? claims.email : '',
    computeEngine: computeEngine(claims),
  };
}

function checkClaims(claims: Record<string, unknown>, now: number): void {
  if (!ISSUERS.has(String(claims.iss)))
    throw denied(`identity token issuer ${JSON.stringify(claims.iss)} is not Google`);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(GCP_IIT_AUDIENCE)) {
    throw denied(
      `identity token audience ${JSON.stringify(claims.aud)} does not include ${GCP_IIT_AUDIENCE}`,
    );
  }
  if (typeof claims.exp !== 'number') throw invalid('identity token has no exp claim');
  if (claims.exp + LEEWAY_SECONDS < now) throw denied('identity token has expired');
  if (typeof claims.iat === 'number' && claims.iat - LEEWAY_SECONDS > now)
    throw denied('identity token is issued in the future');
  if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_SECONDS > now)
    throw denied('identity token is not valid yet');
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

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalid(`unable to parse the identity token: ${what} is not a JSON object`);
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`gcp_iit: ${reason}`, 'ERR_GCP_IIT_TOKEN');
}

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(`gcp_iit: ${reason}`, 'ERR_GCP_IIT_TOKEN');
}
