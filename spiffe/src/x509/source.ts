import type { X509Svid } from './x509-svid';

/** Anything that can hand out the current X509-SVID (an SVID itself, a Workload API source …). */
export interface X509SvidSource {
  /**
   * Returns the current X509-SVID.
   * @throws a LanyardError (e.g. UnavailableError) if none is available.
   */
  getX509Svid(): X509Svid;
}
