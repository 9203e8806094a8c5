import type { SecureContextOptions } from 'node:tls';
import { certificatesToPem, type X509Svid, type X509SvidSource } from '../x509';
import { pooledRoots, type TlsBundleSource } from './source';

const pemCache = new WeakMap<X509Svid, { cert: string; key: string }>();

/**
 * The SVID's chain (PEM, leaf first) and PKCS#8 PEM key, cached per SVID object so only a rotation re-encodes.
 * The key string never leaves the secure context; do not log it.
 */
export function svidCredentials(svid: X509Svid): { cert: string; key: string } {
  let cached = pemCache.get(svid);
  if (!cached) {
    const key = svid.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    cached = { cert: certificatesToPem(svid.certificates), key };
    pemCache.set(svid, cached);
  }
  return cached;
}

/** Secure-context options presenting the current SVID (`cert`, `key`). */
export function identityContextOptions(source: X509SvidSource): SecureContextOptions {
  return { ...svidCredentials(source.getX509Svid()) };
}

/**
 * Secure-context options trusting every root of every trusted trust domain (`ca`). OpenSSL checks the chain
 * against this pool first; the helpers then re-verify against the peer's own trust domain only.
 */
export function trustContextOptions(source: Pick<TlsBundleSource, 'getX509Bundles'>): SecureContextOptions {
  return { ca: pooledRoots(source).map((cert) => cert.toString()) };
}
