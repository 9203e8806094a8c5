import type { KeyObject, X509Certificate } from 'node:crypto';
import type { X509SVIDResponse__Output } from '@lanyard/proto';
import { X509Bundle, X509Svid, parseCertificates, verifyX509Svid } from '@lanyard/spiffe';

/** One SVID of an X509SVIDResponse, parsed for printing and writing. */
export interface X509SvidView {
  readonly spiffeId: string;
  readonly hint: string;
  /** Leaf first, then intermediates. */
  readonly certificates: readonly X509Certificate[];
  readonly privateKey: KeyObject;
  /** Roots of the SVID's own trust domain. */
  readonly bundle: readonly X509Certificate[];
  /** Federated roots keyed as in the response (`spiffe://td`). */
  readonly federatedBundles: ReadonlyMap<string, readonly X509Certificate[]>;
}

function parseFederated(response: X509SVIDResponse__Output): Map<string, X509Certificate[]> {
  const federated = new Map<string, X509Certificate[]>();
  for (const [td, der] of Object.entries(response.federated_bundles ?? {})) {
    let certs: X509Certificate[];
    try {
      certs = parseCertificates(der, `bundle for federated domain "${td}"`);
    } catch (err) {
      throw new Error(`failed to parse bundle for federated domain "${td}": ${(err as Error).message}`);
    }
    if (certs.length === 0) throw new Error(`no certificates in bundle for federated domain "${td}"`);
    federated.set(td, certs);
  }
  return federated;
}

/**
 * Parses every SVID of a response and checks that each chains to its own bundle (as SPIRE's CLI does).
 * @throws Error `workload response contains no svids`, `failed to parse svid entry …`, or
 *   `"<id>" SVID failed verification against bundle: …`.
 */
export function parseAndValidateX509Response(response: X509SVIDResponse__Output): X509SvidView[] {
  if (response.svids.length === 0) throw new Error('workload response contains no svids');
  const federatedBundles = parseFederated(response);
  return response.svids.map((svid, i) => {
    let parsed: X509Svid;
    let bundle: X509Certificate[];
    try {
      parsed = X509Svid.parse(svid.x509_svid, svid.x509_svid_key);
      bundle = parseCertificates(svid.bundle, 'bundle');
    } catch (err) {
      throw new Error(
        `failed to parse svid entry ${i} for spiffe id "${svid.spiffe_id}": ${(err as Error).message}`,
      );
    }
    try {
      verifyX509Svid(parsed.certificates, new X509Bundle(parsed.id.trustDomain, bundle));
    } catch (err) {
      throw new Error(
        `"${svid.spiffe_id}" SVID failed verification against bundle: ${(err as Error).message}`,
      );
    }
    return {
      spiffeId: svid.spiffe_id,
      hint: svid.hint,
      certificates: parsed.certificates,
      privateKey: parsed.privateKey,
      bundle,
      federatedBundles,
    };
  });
}
