import type { JWTBundlesResponse, X509BundlesResponse, X509SVIDResponse } from '@lanyard/proto';
import type { TrustBundle, WorkloadUpdate, X509SvidMaterial } from '../manager/cache';

const chainCache = new WeakMap<X509SvidMaterial, Buffer>();
const rootsCache = new WeakMap<TrustBundle, Buffer>();
const jwksCache = new WeakMap<TrustBundle, Buffer>();

/** `spiffe://<td>`: the key form of every bundle map on the Workload API. */
export function trustDomainKey(trustDomain: string): string {
  return `spiffe://${trustDomain}`;
}

/** The SVID's chain as one DER blob, leaf first (computed once per SVID). */
export function chainDer(svid: X509SvidMaterial): Buffer {
  let der = chainCache.get(svid);
  if (!der) {
    der = Buffer.concat(svid.certChainDer as Buffer[]);
    chainCache.set(svid, der);
  }
  return der;
}

/** The bundle's X.509 roots as one DER blob (computed once per bundle object). */
export function rootsDer(bundle: TrustBundle): Buffer {
  let der = rootsCache.get(bundle);
  if (!der) {
    der = Buffer.concat(bundle.x509Authorities as Buffer[]);
    rootsCache.set(bundle, der);
  }
  return der;
}

/** The bundle's JWT keys as a plain RFC 7517 JWK Set (`kid` on every key, `{"keys":[]}` when none). */
export function jwksJson(bundle: TrustBundle): Buffer {
  let json = jwksCache.get(bundle);
  if (!json) {
    const keys = bundle.jwtAuthorities.map((authority) => ({
      ...(authority.publicKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: authority.keyId,
    }));
    json = Buffer.from(JSON.stringify({ keys }));
    jwksCache.set(bundle, json);
  }
  return json;
}

/** The complete X509SVIDResponse for a view that has an own bundle and at least one identity. */
export function renderX509SvidResponse(update: WorkloadUpdate, bundle: TrustBundle): X509SVIDResponse {
  const own = rootsDer(bundle);
  const federated: Record<string, Buffer> = {};
  for (const [td, fb] of update.federatedBundles) federated[trustDomainKey(td)] = rootsDer(fb);
  return {
    svids: update.identities.map(({ entry, svid }) => ({
      spiffe_id: entry.spiffeId,
      x509_svid: chainDer(svid),
      x509_svid_key: svid.privateKeyDer,
      bundle: own,
      hint: entry.hint,
    })),
    crl: [],
    federated_bundles: federated,
  };
}

/** Own plus federated bundles as `spiffe://td` → rendered bytes, own trust domain first. */
function bundleMap(
  update: WorkloadUpdate,
  bundle: TrustBundle,
  render: (b: TrustBundle) => Buffer,
): Record<string, Buffer> {
  const map: Record<string, Buffer> = { [trustDomainKey(bundle.trustDomain)]: render(bundle) };
  for (const [td, fb] of update.federatedBundles) map[trustDomainKey(td)] = render(fb);
  return map;
}

/** X509BundlesResponse: own and federated roots. */
export function renderX509BundlesResponse(update: WorkloadUpdate, bundle: TrustBundle): X509BundlesResponse {
  return { crl: [], bundles: bundleMap(update, bundle, rootsDer) };
}

/** JWTBundlesResponse: own and federated JWK Sets. */
export function renderJwtBundlesResponse(update: WorkloadUpdate, bundle: TrustBundle): JWTBundlesResponse {
  return { bundles: bundleMap(update, bundle, jwksJson) };
}

/** True when two bundle maps hold the same keys and bytes (used to suppress duplicate bundle messages). */
export function sameBundleMap(a: Record<string, Buffer>, b: Record<string, Buffer>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && a[k].equals(b[k]));
}
