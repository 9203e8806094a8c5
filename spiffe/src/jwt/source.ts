import type { SpiffeId } from '../id';
import type { JwtSvid } from './jwt-svid';

/** What to ask a {@link JwtSvidSource} for. */
export interface JwtSvidParams {
  /** The audience the token is for. */
  readonly audience: string;
  /** More audiences to include. */
  readonly extraAudiences?: readonly string[];
  /** The identity to mint for, when the workload has several (default: the first). */
  readonly subject?: SpiffeId;
}

/** Anything that can fetch a JWT-SVID for given audiences (e.g. a Workload API client). */
export interface JwtSvidSource {
  /**
   * Fetches a JWT-SVID.
   * @throws a LanyardError (e.g. UnavailableError, PermissionDeniedError) when none can be obtained.
   */
  fetchJwtSvid(params: JwtSvidParams): Promise<JwtSvid>;
}
