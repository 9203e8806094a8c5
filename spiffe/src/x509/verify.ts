import { X509Certificate } from 'node:crypto';
import { LanyardError, UnauthenticatedError } from '../errors';
import type { SpiffeId } from '../id';
import type { X509BundleSource } from '../bundle/source';
import { CertificateInfo } from './cert-info';
import { DerOrPem, parseCertificates } from './parse';
import { checkLeafConstraints, checkSigningConstraints, infoOf, leafSpiffeId } from './svid-rules';

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

function untrusted(message: string, code = 'ERR_X509_SVID_UNTRUSTED', cause?: unknown): UnauthenticatedError {
  const err = new UnauthenticatedError(message, code);
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause });
  return err;
}

/** Signature results per (child, issuer) object pair; certificates are immutable so this is always safe. */
const signatureCache = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  let byIssuer = signatureCache.get(child);
  if (!byIssuer) signatureCache.set(child, (byIssuer = new WeakMap()));
  let ok = byIssuer.get(issuer);
  if (ok === undefined) {
    ok = child.checkIssued(issuer) && child.verify(issuer.publicKey);
    byIssuer.set(issuer, ok);
  }
  return ok;
}

function checkTime(info: CertificateInfo, now: number, where: string): void {
  if (now < info.notBefore)
    throw untrusted(
      `${where}: not valid until ${new Date(info.notBefore).toISOString()}`,
      'ERR_X509_SVID_NOT_YET_VALID',
    );
  if (now > info.notAfter)
    throw untrusted(`${where}: expired at ${new Date(info.notAfter).toISOString()}`, 'ERR_X509_SVID_EXPIRED');
}

/** Checks an issuer placed at `depth` (leaf = 0) in the path: CA, keyCertSign, validity, pathLen, extensions. */
function checkIssuer(cert: X509Certificate, depth: number, now: number, where: string): void {
  checkSigningConstraints(cert, where, true);
  const info = infoOf(cert, where);
  checkTime(info, now, where);
  if (info.pathLen !== undefined && depth - 1 > info.pathLen) {
    throw untrusted(`${where}: path length constraint ${info.pathLen} exceeded`);
  }
  if (info.unhandledCritical.length > 0) {
    throw untrusted(`${where}: unsupported critical extension ${info.unhandledCritical[0]}`);
  }
}

/**
 * Depth-first search for a path from `path[path.length - 1]` to one of `roots` through unused
 * `intermediates`. Bounded by the number of intermediates. Returns the completed path or undefined.
 */
function buildPath(
  path: X509Certificate[],
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
): X509Certificate[] | undefined {
  const current = path[path.length - 1];
  const root = roots.find((r) => issuedBy(current, r));
  if (root) return [...path, root];
  for (const next of intermediates) {
    if (path.includes(next) || !issuedBy(current, next)) continue;
    const found = buildPath([...path, next], intermediates, roots);
    if (found) return found;
  }
  return undefined;
}

/**
 * Verifies a peer's X509-SVID chain (SPIFFE.md §2.2): leaf rules, then a path from the leaf through the
 * presented intermediates to a root of the bundle of the **leaf's own trust domain**, with signature,
 * validity-window, CA/keyCertSign and pathLen checks on every certificate. EKU is not enforced.
 *
 * @param chain presented certificates, leaf first (objects, concatenated DER or PEM).
 * @throws InvalidArgumentError for malformed input or a leaf breaking the SVID rules;
 *   UnauthenticatedError (`ERR_X509_SVID_UNTRUSTED`, `_EXPIRED`, `_NOT_YET_VALID`) if it does not verify.
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
  checkTime(leafInfo, now, 'leaf certificate');
  if (leafInfo.unhandledCritical.length > 0) {
    throw untrusted(`leaf certificate: unsupported critical extension ${leafInfo.unhandledCritical[0]}`);
  }
  let roots: readonly X509Certificate[];
  try {
    roots = bundleSource.getX509BundleForTrustDomain(id.trustDomain).x509Authorities;
  } catch (err) {
    if (!(err instanceof LanyardError)) throw err;
    throw untrusted(
      `x509 svid: no bundle for trust domain "${id.trustDomain.name}"`,
      'ERR_X509_SVID_UNTRUSTED',
      err,
    );
  }
  const path = buildPath([leaf], certs.slice(1), roots);
  if (!path)
    throw untrusted(`x509 svid "${id}": no chain to a root of trust domain "${id.trustDomain.name}"`);
  path
    .slice(1)
    .forEach((cert, i) =>
      checkIssuer(cert, i + 1, now, i + 1 === path.length - 1 ? 'root certificate' : `intermediate ${i + 1}`),
    );
  return { id, verifiedChain: path };
}
