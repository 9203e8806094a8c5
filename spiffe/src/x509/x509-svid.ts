import { KeyObject, X509Certificate } from 'node:crypto';
import { X509SvidError } from '../errors/x509-svid-error';
import type { SpiffeId } from '../id';
import { samePublicKey } from '../bundle/jwk';
import { certificateInfo } from './cert-info';
import { DerOrPem, certificatesToDer, certificatesToPem, parseCertificates, parsePrivateKey } from './parse';
import { checkLeafConstraints, checkSigningConstraints, leafSpiffeId } from './svid-rules';
import type { X509SvidSource } from './source';

/**
 * An X509-SVID: a SPIFFE ID, its certificate chain (leaf first) and the leaf's private key. Immutable. Every
 * instance has passed the checks go-spiffe applies to SVIDs received from the Workload API (SPIFFE.md §2.3).
 * Also an {@link X509SvidSource} returning itself.
 *
 * @example
 * ```ts
 * const svid = X509Svid.parse(fs.readFileSync('svid.pem'), fs.readFileSync('svid.key'));
 * svid.id.toString(); // 'spiffe://example.org/web'
 * svid.expiresAt;     // Date of the leaf's notAfter
 * ```
 */
export class X509Svid implements X509SvidSource {
  /** The SPIFFE ID, taken from the leaf's URI SAN. */
  readonly id: SpiffeId;
  /** The chain, leaf first, then intermediates in issuing order. */
  readonly certificates: readonly X509Certificate[];
  /** The leaf's private key. Never log it. */
  readonly privateKey: KeyObject;
  /** Operator hint from the Workload API (e.g. `internal`), if any. */
  readonly hint?: string;

  private constructor(
    id: SpiffeId,
    certificates: readonly X509Certificate[],
    privateKey: KeyObject,
    hint?: string,
  ) {
    this.id = id;
    this.certificates = Object.freeze([...certificates]);
    this.privateKey = privateKey;
    this.hint = hint;
  }

  /**
   * Parses and validates an SVID from a chain (concatenated DER or PEM) and a private key (PKCS#8 DER or PEM).
   * @throws X509SvidError (`ERR_X509_SVID_INVALID`, `ERR_X509_CERT_MALFORMED`, `ERR_PRIVATE_KEY_MALFORMED`)
   *   or SpiffeIdError, naming the certificate and rule.
   */
  static parse(
    certificates: DerOrPem,
    privateKey: DerOrPem | KeyObject,
    options: { hint?: string } = {},
  ): X509Svid {
    return X509Svid.fromParts(
      parseCertificates(certificates, 'x509 svid certificates'),
      parsePrivateKey(privateKey, 'x509 svid private key'),
      options,
    );
  }

  /**
   * Validates already-parsed parts: leaf has one SPIFFE ID URI SAN with a path, is not a CA, has
   * digitalSignature and neither keyCertSign nor cRLSign; every following certificate is a CA with
   * keyCertSign; the private key matches the leaf's public key.
   */
  static fromParts(
    certificates: readonly X509Certificate[],
    privateKey: KeyObject,
    options: { hint?: string } = {},
  ): X509Svid {
    if (certificates.length === 0)
      throw new X509SvidError('ERR_X509_SVID_INVALID', 'x509 svid: certificate chain is empty');
    const leaf = certificates[0];
    const id = leafSpiffeId(leaf);
    checkLeafConstraints(leaf, true);
    certificates.slice(1).forEach((cert, i) => checkSigningConstraints(cert, `certificate ${i + 1}`, false));
    const key = parsePrivateKey(privateKey, 'x509 svid private key');
    if (!samePublicKey(key, leaf.publicKey)) {
      throw new X509SvidError(
        'ERR_X509_SVID_INVALID',
        'x509 svid: private key does not match the leaf certificate',
      );
    }
    return new X509Svid(id, certificates, key, options.hint || undefined);
  }

  /** The leaf certificate. */
  get leaf(): X509Certificate {
    return this.certificates[0];
  }

  /** When the leaf certificate expires (its notAfter). */
  get expiresAt(): Date {
    return new Date(certificateInfo(this.leaf).notAfter);
  }

  /** PEM encodings: the chain as `CERTIFICATE` blocks and the key as a PKCS#8 `PRIVATE KEY` block. */
  toPem(): { certificatesPem: string; privateKeyPem: string } {
    return {
      certificatesPem: certificatesToPem(this.certificates),
      privateKeyPem: this.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
  }

  /** Workload API encodings: the chain as concatenated DER and the key as PKCS#8 DER. */
  marshalDer(): { certificatesDer: Buffer; privateKeyDer: Buffer } {
    return {
      certificatesDer: certificatesToDer(this.certificates),
      privateKeyDer: this.privateKey.export({ format: 'der', type: 'pkcs8' }),
    };
  }

  /** {@link X509SvidSource}: returns this SVID. */
  getX509Svid(): X509Svid {
    return this;
  }
}
