import type { PluginLogger } from '@lanyard/attestor-core';
import type {
  JWTSVIDRequest__Output,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest__Output,
  ValidateJWTSVIDResponse,
} from '@lanyard/proto';
import { SpiffeId } from '@lanyard/spiffe';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import type { IdentityCache } from '../manager/cache';
import type { AttestedCaller } from './caller';
import type { JwtSvidService } from './jwt-svid-service';
import { validateJwtSvid } from './jwt-validator';
import { noIdentity, notReady } from './stream-steps';
import { toProtoStruct } from './struct';

/** Claims kept from tokens of foreign trust domains in addition to the operator's allow-list. */
const FOREIGN_BASE_CLAIMS = ['sub', 'exp', 'aud'];

/** Dependencies of the two unary JWT handlers. */
export interface JwtHandlerDeps {
  readonly cache: IdentityCache;
  readonly jwt: JwtSvidService;
  readonly logger: PluginLogger;
  /** `allowed_foreign_jwt_claims`. */
  readonly allowedForeignJwtClaims: ReadonlySet<string>;
}

/** Request checks that come before attestation (SPIRE order: header, then fields). */
export function checkJwtSvidRequest(request: JWTSVIDRequest__Output): void {
  if (request.audience.length === 0) {
    throw new InvalidArgumentError('audience must be specified', 'ERR_AUDIENCE_MISSING');
  }
  if (request.spiffe_id !== '') {
    try {
      SpiffeId.parse(request.spiffe_id);
    } catch (err) {
      throw new InvalidArgumentError(
        `invalid requested SPIFFE ID: ${(err as Error).message}`,
        'ERR_SPIFFE_ID',
      );
    }
  }
}

/** FetchJWTSVID: one token per entitled identity (or only the requested one), first = default. */
export async function fetchJwtSvids(
  deps: JwtHandlerDeps,
  caller: AttestedCaller,
  request: JWTSVIDRequest__Output,
): Promise<JWTSVIDResponse> {
  if (!deps.cache.isReady()) throw notReady();
  const entries = deps.cache.match(caller.selectors).entries;
  if (entries.length === 0) throw noIdentity(deps.logger, caller);
  const wanted = request.spiffe_id === '' ? entries : entries.filter((e) => e.spiffeId === request.spiffe_id);
  if (wanted.length === 0) {
    throw new PermissionDeniedError(`no identity issued for "${request.spiffe_id}"`, 'ERR_NO_IDENTITY');
  }
  const svids = await Promise.all(
    wanted.map(async (entry) => ({
      spiffe_id: entry.spiffeId,
      svid: await deps.jwt.fetch(entry, request.audience),
      hint: entry.hint,
    })),
  );
  return { svids };
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
  deps: JwtHandlerDeps,
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
