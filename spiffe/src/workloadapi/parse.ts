/** Turning Workload API response messages into library types, with go-spiffe's rules (SPIFFE.md §6). */
import type {
  JWTBundlesResponse__Output,
  JWTSVIDResponse__Output,
  X509BundlesResponse__Output,
  X509SVIDResponse__Output,
} from '@lanyard/proto';
import { LanyardError, StatusCode } from '@lanyard/base';
import { WorkloadApiError } from '../errors/workload-api-error';
import { TrustDomain } from '../id';
import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../bundle';
import { JwtSvid } from '../jwt';
import { X509Svid } from '../x509';

/** The X.509 material of a workload: its SVIDs (first = default) and the X.509 bundles it may use. */
export interface X509Context {
  /** Every SVID in the response order, after hint de-duplication. Never empty. */
  readonly svids: readonly X509Svid[];
  /** Own and federated trust domains' X.509 bundles. */
  readonly bundles: X509BundleSet;
  /** The default SVID (`svids[0]`). */
  readonly defaultSvid: X509Svid;
}

/** Keeps the first entry per non-empty hint and every entry without one (go-spiffe's de-duplication). */
export function dedupeByHint<T extends { hint: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (!item.hint) return true;
    if (seen.has(item.hint)) return false;
    seen.add(item.hint);
    return true;
  });
}

/** Runs `fn`, turning an INVALID_ARGUMENT error it throws into `ERR_WORKLOAD_RESPONSE` prefixed with `where`. */
function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof LanyardError) || err.grpcStatus !== StatusCode.INVALID_ARGUMENT) throw err;
    throw new WorkloadApiError('ERR_WORKLOAD_RESPONSE', `${where}: ${err.message}`, { cause: err });
  }
}

/** Parses a bundle-map key, `spiffe://<td>` or a bare `<td>`. */
function trustDomainOfKey(key: string, field: string): TrustDomain {
  try {
    return TrustDomain.parse(key);
  } catch (err) {
    throw new WorkloadApiError('ERR_WORKLOAD_RESPONSE', `${field}: key "${key}" is not a trust domain`, {
      cause: err,
    });
  }
}

function x509BundlesFromMap(map: Record<string, Buffer>, field: string, into: X509BundleSet): void {
  for (const [key, value] of Object.entries(map)) {
    const td = trustDomainOfKey(key, field);
    into.add(X509Bundle.parse(td, value));
  }
}

/** Parses an `X509SVIDResponse`; any invalid SVID or bundle rejects the whole message. */
export function parseX509SvidResponse(message: X509SVIDResponse__Output): X509Context {
  if (message.svids.length === 0) {
    throw new WorkloadApiError('ERR_WORKLOAD_RESPONSE', 'x509 svid response: no SVIDs in response');
  }
  const bundles = new X509BundleSet();
  x509BundlesFromMap(message.federated_bundles, 'x509 svid response federated_bundles', bundles);
  const svids = dedupeByHint(message.svids).map((entry, i) => {
    const svid = withContext(`x509 svid response svids[${i}]`, () =>
      X509Svid.parse(entry.x509_svid, entry.x509_svid_key, { hint: entry.hint }),
    );
    const td = trustDomainOfKey(entry.spiffe_id, `x509 svid response svids[${i}].spiffe_id`);
    bundles.add(X509Bundle.parse(td, entry.bundle));
    return svid;
  });
  return { svids, bundles, defaultSvid: svids[0] };
}

/** Parses an `X509BundlesResponse` (keys `spiffe://<td>` or `<td>`; an empty value is an empty bundle). */
export function parseX509BundlesResponse(message: X509BundlesResponse__Output): X509BundleSet {
  const bundles = new X509BundleSet();
  x509BundlesFromMap(message.bundles, 'x509 bundles response bundles', bundles);
  return bundles;
}

/** Parses a `JWTBundlesResponse`: every value must be a JWK Set whose keys all carry a `kid`. */
export function parseJwtBundlesResponse(message: JWTBundlesResponse__Output): JwtBundleSet {
  const bundles = new JwtBundleSet();
  for (const [key, value] of Object.entries(message.bundles)) {
    const td = trustDomainOfKey(key, 'jwt bundles response bundles');
    bundles.add(JwtBundle.parse(td, value));
  }
  return bundles;
}

/**
 * Parses a `JWTSVIDResponse`: hints de-duplicated, each token checked without its signature (it came over the
 * trusted local channel) but with header, claims, expiry and audience rules against `audiences`.
 */
export function parseJwtSvidResponse(
  message: JWTSVIDResponse__Output,
  audiences: readonly string[],
): JwtSvid[] {
  if (message.svids.length === 0) {
    throw new WorkloadApiError('ERR_WORKLOAD_RESPONSE', 'jwt svid response: no SVIDs in response');
  }
  return dedupeByHint(message.svids).map((entry) =>
    JwtSvid.parseInsecure(entry.svid, { audience: audiences, hint: entry.hint }),
  );
}
