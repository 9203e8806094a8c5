import type {
  SpiffeWorkloadAPIHandlers,
  ValidateJWTSVIDRequest__Output,
  ValidateJWTSVIDResponse,
} from '@lanyard/proto';
import { JwtSvid, type JwtBundleSource } from '@lanyard/spiffe';
import { InvalidArgumentError, LanyardError } from '@lanyard/base';
import { checkSecurityHeader } from './caller';
import { unaryHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import { notReady } from './status';
import { toProtoStruct } from './struct';

/** Claims kept from tokens of foreign trust domains in addition to the operator's allow-list. */
const FOREIGN_BASE_CLAIMS = ['sub', 'exp', 'aud'];

/**
 * Validates a JWT-SVID for one audience against the given bundles (go-spiffe `ParseAndValidate` rules, 60 s
 * leeway) and reports every failure as INVALID_ARGUMENT with the reason, as SPIRE's ValidateJWTSVID does. A
 * token of a trust domain `bundles` has no bundle for is refused.
 * @throws InvalidArgumentError.
 */
export function validateJwtSvid(
  token: string,
  audience: string,
  bundles: JwtBundleSource,
  now: Date = new Date(),
): JwtSvid {
  try {
    return JwtSvid.parseAndValidate(token, { bundles, audience, now });
  } catch (err) {
    if (!(err instanceof LanyardError)) throw err;
    throw new InvalidArgumentError(err.message, 'ERR_JWT_SVID_INVALID', { cause: err });
  }
}

/** Request checks of ValidateJWTSVID. */
export function checkValidateRequest(request: ValidateJWTSVIDRequest__Output): void {
  if (request.audience === '')
    throw new InvalidArgumentError('audience must be specified', 'ERR_AUDIENCE_MISSING');
  if (request.svid === '') throw new InvalidArgumentError('svid must be specified', 'ERR_SVID_MISSING');
}

/**
 * ValidateJWTSVID against the own and every federated JWT bundle. `aud` is always returned as a list; tokens of
 * foreign trust domains keep only `sub`, `exp`, `aud` and the allowed foreign claims.
 */
export function validateJwt(
  deps: WorkloadHandlerDeps,
  request: ValidateJWTSVIDRequest__Output,
): ValidateJWTSVIDResponse {
  if (!deps.cache.isReady()) throw notReady();
  const svid = validateJwtSvid(request.svid, request.audience, deps.cache.allBundles());
  const foreign = svid.id.trustDomain.name !== deps.cache.trustDomain;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(svid.claims)) {
    if (foreign && !FOREIGN_BASE_CLAIMS.includes(name) && !deps.allowedForeignJwtClaims.has(name)) continue;
    kept[name] = value;
  }
  kept.aud = [...svid.audience];
  return { spiffe_id: svid.id.toString(), claims: toProtoStruct(kept) };
}

/** ValidateJWTSVID: header and request checks, caller attestation, then validation. */
export function validateJwtSvidHandler(
  deps: WorkloadHandlerDeps,
): SpiffeWorkloadAPIHandlers['ValidateJWTSVID'] {
  return unaryHandler(deps, 'ValidateJWTSVID', async (call) => {
    checkSecurityHeader(call.metadata);
    checkValidateRequest(call.request);
    await deps.resolver.resolve(call);
    return validateJwt(deps, call.request);
  });
}
