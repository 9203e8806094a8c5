import { X509Certificate } from 'node:crypto';
import { LanyardError } from '@lanyard/base';
import type { SpiffeId } from '../id';
import type { X509BundleSource } from '../bundle/source';
import { DerOrPem, parseCertificates } from './parse';
import { buildPath, newPathSearch, timeProblem, untrusted } from './path';
import { checkLeafConstraints, infoOf, leafSpiffeId } from './svid-rules';

/** Options of {@link verifyX509Svid}. */
export interface VerifyX509SvidOptions {
  /** The time to validate at (default: now). Inject a clock in tests. */
  readonly now?: Date | number;
}

/** Result of a successful {@link verifyX509Svid}. */
export interface VerifiedX509Svid {
  /** The peer's SPIFFE ID (from the leaf). */
  readonly id: SpiffeId;
  /** The verified path: leaf, intermediates, and the trust-domain root it chains to, last. */
  readonly verifiedChain: X509Certificate[];
}

function rootsFor(id: SpiffeId, bundleSource: X509BundleSource): readonly X509Certificate[] {
  try {
    return bundleSource.getX509BundleForTrustDomain(id.trustDomain).x509Authorities;
  } catch (err) {
    if (!(err instanceof LanyardError)) throw err;
    throw untrusted(
      `x509 svid: no bundle for trust domain "${id.trustDomain.name}"`,
      'ERR_X509_SVID_UNTRUSTED',
      err,
    );
  }
}

/**
 * Verifies a peer's X509-SVID chain (SPIFFE.md §2.2): leaf rules, then a path from the leaf through the
 * presented intermediates (any order) to a root of the bundle of the **leaf's own trust domain**, with
 * signature, validity-window, CA/keyCertSign, pathLen and critical-extension checks on every certificate.
 * EKU is not enforced (as go-spiffe); name constraints are not evaluated, so a critical nameConstraints
 * extension fails verification.
 *
 * @param chain presented certificates, leaf first (objects, concatenated DER or PEM).
 * @throws X509SvidError: INVALID_ARGUMENT codes for malformed input or a leaf breaking the SVID rules;
 *   UNAUTHENTICATED `ERR_X509_SVID_UNTRUSTED`, `_EXPIRED`, `_NOT_YET_VALID` if it does not verify.
 */
export function verifyX509Svid(
  chain: readonly X509Certificate[] | DerOrPem,
  bundleSource: X509BundleSource,
  options: VerifyX509SvidOptions = {},
): VerifiedX509Svid {
  const certs = Array.isArray(chain)
    ? (chain as readonly X509Certificate[])
    : parseCertificates(chain as DerOrPem, 'x509 svid');
  if (certs.length === 0) throw untrusted('x509 svid: no certificates presented');
  const leaf = certs[0];
  const id = leafSpiffeId(leaf);
  checkLeafConstraints(leaf, false);
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const leafInfo = infoOf(leaf, 'leaf certificate');
  const time = timeProblem(leafInfo, now, 'leaf certificate');
  if (time) throw time;
  if (leafInfo.unhandledCritical.length > 0) {
    throw untrusted(`leaf certificate: unsupported critical extension ${leafInfo.unhandledCritical[0]}`);
  }
  const search = newPathSearch(now);
  const path = buildPath([leaf], certs.slice(1), rootsFor(id, bundleSource), search);
  if (!path) {
    throw (
      search.firstProblem ??
      untrusted(`x509 svid "${id}": no chain to a root of trust domain "${id.trustDomain.name}"`)
    );
  }
  return { id, verifiedChain: path };
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyCertificateChainOptions {
  /** The time to validate at (default: now). */
  readonly now?: Date | number;
  /** Names the chain in error messages (default `certificate`). */
  readonly what?: string;
}

/**
 * Verifies a non-SPIFFE certificate chain (an x509pop node certificate, say) against `roots`: the leaf's validity
 * window and critical extensions, then a path through the presented intermediates (any order) to one of `roots`,
 * with the same signature, validity, CA/keyCertSign, pathLen and critical-extension checks as
 * {@link verifyX509Svid}. No SPIFFE leaf rules, no EKU check.
 * @returns the verified path: leaf, intermediates, and the root it chains to, last.
 * @throws X509SvidError: UNAUTHENTICATED `ERR_X509_SVID_UNTRUSTED`, `_EXPIRED`, `_NOT_YET_VALID` if it does not
 *   verify; INVALID_ARGUMENT for a malformed certificate.
 */
export function verifyCertificateChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  options: VerifyCertificateChainOptions = {},
): X509Certificate[] {
  const what = options.what ?? 'certificate';
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const leafInfo = infoOf(leaf, what);
  const time = timeProblem(leafInfo, now, what);
  if (time) throw time;
  if (leafInfo.unhandledCritical.length > 0) {
    throw untrusted(`${what}: unsupported critical extension ${leafInfo.unhandledCritical[0]}`);
  }
  const search = newPathSearch(now);
  const path = buildPath([leaf], intermediates, roots, search);
  if (!path) throw search.firstProblem ?? untrusted(`${what}: no chain to a trusted root`);
  return path;
}
