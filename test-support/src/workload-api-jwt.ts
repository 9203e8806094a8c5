import * as grpc from '@grpc/grpc-js';
import type { JWTSVIDResponse } from '@lanyard/proto';
import type { TestJwk, TestJwtKey } from './test-jwt-key';
import type { WorkloadJwtBundle } from './workload-api-state';

/** A gRPC status the server answers with instead of data. */
export interface InjectedError {
  code: grpc.status;
  details?: string;
}

/** An identity the server mints JWT-SVIDs for (`FetchJWTSVID`), signing with `key`. */
export interface WorkloadJwtIdentity {
  spiffeId: string;
  key: TestJwtKey;
  hint?: string;
  /** Default 300. */
  ttlSeconds?: number;
  /** Claim overrides for negative tests (`undefined` removes a claim). */
  claims?: Record<string, unknown>;
  /** Header overrides for negative tests. */
  header?: Record<string, unknown>;
}

/** What the test server answers when the caller has no identity. */
export const NO_IDENTITY: InjectedError = {
  code: grpc.status.PERMISSION_DENIED,
  details: 'no identity issued',
};

/** SPIRE's `FetchJWTSVID` request checks: audience required, `spiffe_id` well formed and entitled. */
export function checkJwtSvidRequest(
  request: { audience: string[]; spiffe_id: string },
  identities: readonly WorkloadJwtIdentity[],
): InjectedError | undefined {
  if (request.audience.length === 0) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'audience must be specified' };
  }
  if (request.spiffe_id && !/^spiffe:\/\/[^/]+\/./.test(request.spiffe_id)) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'requested spiffe_id is invalid' };
  }
  const known = identities.some((id) => !request.spiffe_id || id.spiffeId === request.spiffe_id);
  return known ? undefined : NO_IDENTITY;
}

/** Mints one token per identity (or only `wanted`'s) for `audience`. */
export function mintJwtSvids(
  identities: readonly WorkloadJwtIdentity[],
  wanted: string,
  audience: string[],
): JWTSVIDResponse {
  const chosen = identities.filter((id) => !wanted || id.spiffeId === wanted);
  return {
    svids: chosen.map((id) => ({
      spiffe_id: id.spiffeId,
      hint: id.hint ?? '',
      svid: id.key.signJwtSvid({ ...id, audience }),
    })),
  };
}

/** The JWT keys of each trust domain in the served bundles (unparseable bundles count as empty). */
export function jwtKeysByTrustDomain(
  bundles: Record<string, WorkloadJwtBundle> | null,
): Map<string, TestJwk[]> {
  const result = new Map<string, TestJwk[]>();
  for (const [td, value] of Object.entries(bundles ?? {})) {
    try {
      const set = Buffer.isBuffer(value) || typeof value === 'string' ? JSON.parse(value.toString()) : value;
      result.set(td, Array.isArray(set?.keys) ? set.keys : []);
    } catch {
      result.set(td, []);
    }
  }
  return result;
}
