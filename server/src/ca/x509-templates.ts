/**
 * SPIRE's certificate templates (SPIRE-COMPAT §8.1) on the direct DER builder: X.509-SVIDs, server CA
 * certificates (self-signed or under an upstream key) and downstream CAs.
 */
import { UnavailableError } from '@lanyard/base';
import { randomSerial, serialToDecimal, signCertificate } from './der/certificate';
import {
  CA_BASIC_CONSTRAINTS,
  CA_KEY_USAGE,
  LEAF_BASIC_CONSTRAINTS,
  LEAF_KEY_USAGE,
  SVID_EXT_KEY_USAGE,
  authorityKeyIdentifier,
  subjectAltName,
  subjectKeyIdentifier,
} from './der/extensions';
import { encodeName, type NameFields } from './der/name';
import { subjectKeyId, type CertSigner } from './der/signer';
import type { X509Authority } from './x509-authority';

/** NotBefore backdate for clock skew, like SPIRE. */
export const BACKDATE_MS = 10_000;

const DEFAULT_SVID_SUBJECT = encodeName({ country: ['US'], organization: ['SPIRE'] });

/** Inputs of one X.509-SVID. */
export interface SvidRequest {
  /** Validated SPIFFE ID (URI SAN). */
  spiffeId: string;
  /** SubjectPublicKeyInfo DER of the subject key. */
  spkiDer: Buffer;
  /** Requested lifetime in ms (already defaulted). */
  ttlMs: number;
  /** Validated DNS SANs; the first becomes CN. */
  dnsNames: readonly string[];
  /** Subject override (raw Name DER); default `C=US, O=SPIRE[, CN=<first DNS>]`. */
  subjectDer?: Buffer;
}

/** What signing a leaf needs from an {@link X509Authority} (all a signing worker thread holds). */
export type LeafIssuer = Pick<X509Authority, 'signer' | 'subjectDer' | 'subjectKeyId' | 'notAfter'>;

/** Signs an X.509-SVID with `ca`; NotAfter capped at the CA's NotAfter. Returns the leaf DER and NotAfter (ms). */
export function issueSvid(
  ca: LeafIssuer,
  request: SvidRequest,
  nowMs: number,
): { certDer: Buffer; notAfter: number; serial: Buffer } {
  const notAfter = cappedNotAfter(ca, nowMs, request.ttlMs);
  const serial = randomSerial();
  const subjectDer =
    request.subjectDer ??
    (request.dnsNames.length > 0
      ? encodeName({ country: ['US'], organization: ['SPIRE'], commonName: request.dnsNames[0] })
      : DEFAULT_SVID_SUBJECT);
  const certDer = signCertificate(
    {
      serial,
      issuerDer: ca.subjectDer,
      subjectDer,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(notAfter),
      spkiDer: request.spkiDer,
      extensions: [
        LEAF_KEY_USAGE,
        SVID_EXT_KEY_USAGE,
        LEAF_BASIC_CONSTRAINTS,
        subjectKeyIdentifier(subjectKeyId(request.spkiDer)),
        authorityKeyIdentifierOf(ca.subjectKeyId),
        subjectAltName([request.spiffeId], request.dnsNames, subjectDer.length <= 2),
      ],
    },
    ca.signer,
  );
  return { certDer, notAfter, serial };
}

/** The AKI extension each CA key writes into its leaves, encoded once per key (keyed by its SKI buffer). */
const akiExtensions = new WeakMap<Buffer, Buffer>();

function authorityKeyIdentifierOf(caKeyId: Buffer): Buffer {
  let extension = akiExtensions.get(caKeyId);
  if (!extension) {
    extension = authorityKeyIdentifier(caKeyId);
    akiExtensions.set(caKeyId, extension);
  }
  return extension;
}

/** The issuer of a new CA certificate: our own key (self-signed) or an upstream CA. */
export interface CaIssuer {
  /** Issuer signer. */
  signer: CertSigner;
  /** Issuer subject DER; undefined for self-signed (the new subject is used). */
  subjectDer?: Buffer;
  /** Issuer SKI for the AKI; undefined for self-signed. */
  subjectKeyId?: Buffer;
  /** Cap for NotAfter (ms); undefined = no cap. */
  notAfterCap?: number;
}

/** Inputs of a CA certificate. */
export interface CaRequest {
  /** `spiffe://<td>` URI SAN. */
  trustDomainId: string;
  /** SPKI DER of the new CA key. */
  spkiDer: Buffer;
  /** Subject fields; a `serialNumber` equal to the certificate serial is added when absent. */
  subject: NameFields;
  /** Lifetime in ms. */
  ttlMs: number;
}

/** Signs a CA certificate (keyCertSign|cRLSign, cA=TRUE, SKI, AKI when not self-signed). */
export function issueCaCertificate(issuer: CaIssuer, request: CaRequest, nowMs: number): Buffer {
  const serial = randomSerial();
  const subjectDer = encodeName({
    ...request.subject,
    serialNumber: request.subject.serialNumber ?? serialToDecimal(serial),
  });
  const notAfter = Math.min(nowMs + request.ttlMs, issuer.notAfterCap ?? Number.MAX_SAFE_INTEGER);
  const extensions = [
    CA_KEY_USAGE,
    CA_BASIC_CONSTRAINTS,
    subjectKeyIdentifier(subjectKeyId(request.spkiDer)),
  ];
  if (issuer.subjectKeyId) extensions.push(authorityKeyIdentifier(issuer.subjectKeyId));
  extensions.push(subjectAltName([request.trustDomainId], []));
  return signCertificate(
    {
      serial,
      issuerDer: issuer.subjectDer ?? subjectDer,
      subjectDer,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(notAfter),
      spkiDer: request.spkiDer,
      extensions,
    },
    issuer.signer,
  );
}

/** NotAfter for something `ca` signs now: now + ttl capped at the CA's NotAfter; refuses an expired CA. */
export function cappedNotAfter(ca: Pick<X509Authority, 'notAfter'>, nowMs: number, ttlMs: number): number {
  if (nowMs >= ca.notAfter)
    throw new UnavailableError('x509 ca has expired; waiting for rotation', 'ERR_CA_EXPIRED');
  return Math.min(Math.floor((nowMs + ttlMs) / 1000) * 1000, ca.notAfter);
}
