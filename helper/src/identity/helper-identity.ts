/**
 * Where the helper's cloud-credential commands get their SVIDs: the local Workload API (an agent) or, on a
 * managed runtime without one, the server's `managed_workloads` listener.
 */
import type { JwtSvid, X509Svid } from '@lanyard/spiffe';
import { fetchJwtSvid, fetchX509Svid, type WorkloadApiTarget } from './workload-api';

/** One identity source, as the commands use it. */
export interface HelperIdentity {
  /** Names the source in credential-cache keys (different sources never share cached credentials). */
  readonly cacheKey: string;
  /** A JWT-SVID of the default identity for `audience`. */
  fetchJwtSvid(audience: string, extraAudiences?: readonly string[]): Promise<JwtSvid>;
  /** The default X.509-SVID. */
  fetchX509Svid(): Promise<X509Svid>;
}

/** The Workload API at `target` (default `SPIFFE_ENDPOINT_SOCKET`). */
export function workloadApiIdentity(target: WorkloadApiTarget): HelperIdentity {
  return {
    cacheKey: target.address ?? process.env.SPIFFE_ENDPOINT_SOCKET ?? '',
    fetchJwtSvid: (audience, extraAudiences) => fetchJwtSvid(target, audience, extraAudiences),
    fetchX509Svid: () => fetchX509Svid(target),
  };
}
