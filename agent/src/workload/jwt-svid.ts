import type { JWTSVIDRequest__Output, JWTSVIDResponse, SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import { SpiffeId } from '@lanyard/spiffe';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { checkSecurityHeader, type AttestedCaller } from './caller';
import { unaryHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import { noIdentity, notReady } from './status';

/** Request checks that come before attestation (SPIRE order: header, then fields). */
export function checkJwtSvidRequest(request: JWTSVIDRequest__Output): void {
  // Empty strings do not count (the server drops them): a request of only empty audiences is the caller's
  // error, not an unavailable server.
  if (!request.audience.some((audience) => audience !== '')) {
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
  deps: WorkloadHandlerDeps,
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
    wanted.map(async (entry) => {
      const token = await deps.jwt.fetch(entry, request.audience);
      deps.trail?.jwtSent(caller.connection, caller.selectors, {
        spiffeId: entry.spiffeId,
        entryId: entry.entryId,
        token,
        audience: request.audience,
      });
      return { spiffe_id: entry.spiffeId, svid: token, hint: entry.hint };
    }),
  );
  return { svids };
}

/** FetchJWTSVID: header and request checks, caller attestation, then the tokens. */
export function fetchJwtSvidHandler(deps: WorkloadHandlerDeps): SpiffeWorkloadAPIHandlers['FetchJWTSVID'] {
  return unaryHandler(deps, 'FetchJWTSVID', async (call) => {
    checkSecurityHeader(call.metadata);
    checkJwtSvidRequest(call.request);
    const caller = await deps.resolver.resolve(call);
    return fetchJwtSvids(deps, caller, call.request);
  });
}
