/** The X509-SVID rules (SPIFFE.md §2) shared by SVID parsing and peer verification. */
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { X509SvidError } from '../errors/x509-svid-error';
import { SpiffeId } from '../id';
import { CertificateInfo, KeyUsage, certificateInfo } from './cert-info';

function invalid(message: string, cause?: unknown): X509SvidError {
  return new X509SvidError('ERR_X509_SVID_INVALID', message, { cause });
}

/**
 * Reads the extensions of `cert` (cached), turning DER problems into a typed error.
 * @param where names the certificate in errors, e.g. `certificate 1`.
 */
export function infoOf(cert: X509Certificate, where: string): CertificateInfo {
  try {
    return certificateInfo(cert);
  } catch (err) {
    const why = err instanceof InvalidArgumentError ? err.message : 'unreadable';
    throw invalid(`${where}: malformed certificate (${why})`, err);
  }
}

/**
 * Returns the SPIFFE ID of a leaf certificate: it must carry exactly one URI SAN, a SPIFFE ID with a
 * non-empty path.
 * @throws X509SvidError (`ERR_X509_SVID_INVALID`), or the SpiffeIdError of a bad URI.
 */
export function leafSpiffeId(leaf: X509Certificate): SpiffeId {
  const { uris } = infoOf(leaf, 'leaf certificate');
  if (uris.length !== 1)
    throw invalid(`leaf certificate: must have exactly one uri san, found ${uris.length}`);
  const id = SpiffeId.parse(uris[0]);
  if (id.isTrustDomainId()) throw invalid(`leaf certificate: spiffe id "${id}" has no path`);
  return id;
}

/**
 * Checks the leaf's constraints: not a CA, no keyCertSign or cRLSign, and (when `requireDigitalSignature`)
 * a keyUsage extension with digitalSignature set.
 */
export function checkLeafConstraints(leaf: X509Certificate, requireDigitalSignature: boolean): void {
  const info = infoOf(leaf, 'leaf certificate');
  if (info.isCa) throw invalid('leaf certificate: must not be a ca (basicConstraints cA is true)');
  const ku = info.keyUsage ?? 0;
  if (ku & KeyUsage.keyCertSign) throw invalid('leaf certificate: key usage must not include keyCertSign');
  if (ku & KeyUsage.cRLSign) throw invalid('leaf certificate: key usage must not include cRLSign');
  if (requireDigitalSignature && !(ku & KeyUsage.digitalSignature)) {
    throw invalid('leaf certificate: key usage must include digitalSignature');
  }
}

/** Checks that a signing certificate is a CA with keyCertSign (an absent keyUsage only if `allowNoKeyUsage`). */
export function checkSigningConstraints(
  cert: X509Certificate,
  where: string,
  allowNoKeyUsage: boolean,
): void {
  const info = infoOf(cert, where);
  if (!info.isCa) throw invalid(`${where}: signing certificate must be a ca (basicConstraints cA is false)`);
  if (info.keyUsage === undefined ? !allowNoKeyUsage : !(info.keyUsage & KeyUsage.keyCertSign)) {
    throw invalid(`${where}: signing certificate key usage must include keyCertSign`);
  }
}
