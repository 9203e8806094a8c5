import { X509Certificate } from 'node:crypto';
import { BundleError } from '../errors/bundle-error';
import { X509SvidError } from '../errors/x509-svid-error';
import type { TrustDomain } from '../id';
import { DerOrPem, certificatesToDer, certificatesToPem, parseCertificates } from '../x509/parse';
import type { X509BundleSource } from './source';

/** Error raised by a bundle or bundle set asked for a trust domain it does not hold. */
export function bundleNotFound(kind: string, trustDomain: TrustDomain): BundleError {
  return new BundleError('ERR_BUNDLE_NOT_FOUND', `no ${kind} bundle for trust domain "${trustDomain.name}"`);
}

/**
 * The X.509 authorities (root CA certificates) of one trust domain. Immutable; also an
 * {@link X509BundleSource} answering for its own trust domain only.
 *
 * @example
 * ```ts
 * const bundle = X509Bundle.parse(TrustDomain.parse('example.org'), fs.readFileSync('bundle.pem'));
 * bundle.x509Authorities.length;
 * ```
 */
export class X509Bundle implements X509BundleSource {
  /** The trust domain these authorities belong to. */
  readonly trustDomain: TrustDomain;
  /** Root CA certificates, in the order given. */
  readonly x509Authorities: readonly X509Certificate[];

  constructor(trustDomain: TrustDomain, x509Authorities: readonly X509Certificate[]) {
    this.trustDomain = trustDomain;
    this.x509Authorities = Object.freeze([...x509Authorities]);
  }

  /**
   * Parses authorities from concatenated DER (as in the Workload API; empty bytes mean no authorities) or
   * from PEM `CERTIFICATE` blocks.
   * @throws BundleError (`ERR_X509_BUNDLE_MALFORMED`) naming the bad certificate.
   */
  static parse(trustDomain: TrustDomain, input: DerOrPem): X509Bundle {
    if (input.length === 0) return new X509Bundle(trustDomain, []);
    try {
      return new X509Bundle(trustDomain, parseCertificates(input, `x509 bundle for "${trustDomain.name}"`));
    } catch (err) {
      if (!(err instanceof X509SvidError)) throw err;
      throw new BundleError('ERR_X509_BUNDLE_MALFORMED', err.message, { cause: err });
    }
  }

  /** True if `cert` (compared by DER bytes) is one of the authorities. */
  hasX509Authority(cert: X509Certificate): boolean {
    return this.x509Authorities.some((a) => a === cert || a.raw.equals(cert.raw));
  }

  /** The authorities as PEM blocks. */
  toPem(): string {
    return certificatesToPem(this.x509Authorities);
  }

  /** The authorities as concatenated DER (the Workload API encoding). */
  marshalDer(): Buffer {
    return certificatesToDer(this.x509Authorities);
  }

  /** True if both bundles have the same trust domain and the same certificates in the same order. */
  equals(other: X509Bundle): boolean {
    return (
      this.trustDomain.equals(other.trustDomain) &&
      this.x509Authorities.length === other.x509Authorities.length &&
      this.x509Authorities.every((a, i) => a.raw.equals(other.x509Authorities[i].raw))
    );
  }

  /** Returns this bundle if `trustDomain` is its own, else throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND). */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    if (!trustDomain.equals(this.trustDomain)) throw bundleNotFound('x509', trustDomain);
    return this;
  }
}
