import type {
  SpiffeWorkloadAPIHandlers,
  ValidateJWTSVIDRequest__Output,
  ValidateJWTSVIDResponse,
} from '@lanyard/proto';
import { JwtBundle, JwtSvid, type JwtBundleSource, type TrustDomain } from '@lanyard/spiffe';
import { InvalidArgumentError, LanyardError, NotFoundError } from '@lanyard/base';
import type { TrustBundle } from '../manager/cache';
import { checkSecurityHeader } from './caller';
import { unaryHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import { notReady } from './status';
import { toProtoStruct } from './struct';

/** Claims kept from tokens of foreign trust domains in addition to the operator's allow-list. */
const FOREIGN_BASE_CLAIMS = ['sub', 'exp', 'aud'];

const jwtBundles = new WeakMap<TrustBundle, JwtBundle>();

/** The cache's bundles as a `JwtBundleSource` (one `JwtBundle` built per bundle object). */
export function jwtBundleSource(bundles: ReadonlyMap<string, TrustBundle>): JwtBundleSource {
  return {
    getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
      const bundle = bundles.get(trustDomain.name);
      if (!bundle) {
        throw new NotFoundError(
          `no bundle found for trust domain "${trustDomain.name}"`,
          'ERR_BUNDLE_NOT_FOUND',
        );
      }
      let jwt = jwtBundles.get(bundle);
      if (!jwt) {
        jwt = new JwtBundle(
          trustDomain,
          bundle.jwtAuthorities.map((a) => [a.keyId, a.publicKey]),
        );
        jwtBundles.set(bundle, jwt);
      }
      return jwt;
    },
  };
}

/**
 * Validates a JWT-SVID for one audience against the given bundles (go-spiffe `ParseAndValidate` rules, 60 s
 * leeway) and reports every failure as INVALID_ARGUMENT with the reason, as SPIRE's ValidateJWTSVID does.
 * @throws InvalidArgumentError.
 */
export function validateJwtSvid(
  token: string,
  audience: string,
  bundles: ReadonlyMap<string, TrustBundle>,
  now: Date = new Date(),
): JwtSvid {
  try {
    return JwtSvid.parseAndValidate(token, jwtBundleSource(bundles), [audience], { now });
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
