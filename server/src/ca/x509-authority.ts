/** An X.509 signing authority held in memory: certificate, cached signer, raw subject and key identifier. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { FailedPreconditionError } from '@lanyard/base';
import { parseCertificate } from './der/parse-certificate';
import { createCertSigner, subjectKeyId, type CertSigner } from './der/signer';
import { spkiOf } from './der/spki';

/** A loaded X.509 CA. Times are milliseconds. */
export interface X509Authority {
  /** Lower-case hex SubjectKeyIdentifier (SPIRE's authority ID). */
  authorityId: string;
  /** Our CA certificate (DER). */
  certDer: Buffer;
  /** Certificates above ours up to but excluding the bundle root (upstream intermediates); empty if self-signed. */
  chainDer: Buffer[];
  /** What this authority puts in the bundle: itself when self-signed, else the upstream roots. */
  rootsDer: Buffer[];
  /** Cached signer for the CA key. */
  signer: CertSigner;
  /** Raw subject Name, copied into issued certificates' issuer field. */
  subjectDer: Buffer;
  /** SubjectKeyIdentifier bytes, written as AKI into issued certificates. */
  subjectKeyId: Buffer;
  /** NotBefore (ms). */
  notBefore: number;
  /** NotAfter (ms). */
  notAfter: number;
  /** Hex SKI of the upstream certificate that signed ours, '' when self-signed. */
  upstreamAuthoritySubjectKeyId: string;
}

/** What the journal stores for an X.509 authority besides its key. */
export interface X509AuthorityRecord {
  /** Our CA certificate. */
  certDer: Buffer;
  /** Intermediates above it (root excluded). */
  chainDer: Buffer[];
  /** Bundle roots for it. */
  rootsDer: Buffer[];
  /** Upstream SKI hex or ''. */
  upstreamAuthoritySubjectKeyId: string;
}

/** Builds an {@link X509Authority} from its record and private key; refuses a key that does not match the cert. */
export function loadX509Authority(record: X509AuthorityRecord, key: KeyObject): X509Authority {
  const certDer = Buffer.from(record.certDer);
  const parsed = parseCertificate(certDer, 'ca certificate');
  if (!spkiOf(key).equals(parsed.spkiDer)) {
    throw new FailedPreconditionError(
      'ca private key does not match the ca certificate',
      'ERR_CA_KEY_MISMATCH',
    );
  }
  const x509 = new X509Certificate(certDer);
  const ski = parsed.subjectKeyId ? Buffer.from(parsed.subjectKeyId) : subjectKeyId(parsed.spkiDer);
  return {
    authorityId: ski.toString('hex'),
    certDer,
    chainDer: record.chainDer.map((c) => Buffer.from(c)),
    rootsDer: record.rootsDer.map((c) => Buffer.from(c)),
    signer: createCertSigner(key),
    subjectDer: Buffer.from(parsed.subjectDer),
    subjectKeyId: ski,
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    upstreamAuthoritySubjectKeyId: record.upstreamAuthoritySubjectKeyId,
  };
}

/** The journal record of a loaded authority. */
export function x509Record(authority: X509Authority): X509AuthorityRecord {
  return {
    certDer: authority.certDer,
    chainDer: authority.chainDer,
    rootsDer: authority.rootsDer,
    upstreamAuthoritySubjectKeyId: authority.upstreamAuthoritySubjectKeyId,
  };
}
