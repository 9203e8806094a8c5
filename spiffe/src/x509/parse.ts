/** Parsing certificate chains and private keys from DER or PEM into `node:crypto` objects, with typed errors. */
import { KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { decodePem, der, encodePemBlocks, looksLikePem } from '@lanyard/base';
import { X509SvidError } from '../errors/x509-svid-error';

/** DER bytes or PEM text (as a string or a Buffer). */
export type DerOrPem = Buffer | Uint8Array | string;

/** True if `input` looks like PEM text rather than DER (a string always counts as text). */
export function isPem(input: DerOrPem): boolean {
  return typeof input === 'string' || looksLikePem(input);
}

function toText(input: DerOrPem): string {
  return typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
}

function toCertificate(certDer: Buffer, field: string, index: number): X509Certificate {
  try {
    return new X509Certificate(certDer);
  } catch (err) {
    throw new X509SvidError('ERR_X509_CERT_MALFORMED', `${field}: certificate ${index} cannot be parsed`, {
      cause: err,
    });
  }
}

/**
 * Parses one or more certificates from concatenated DER or from PEM `CERTIFICATE` blocks, keeping their order.
 * @param field name used in error messages, e.g. `x509_svid`.
 * @throws X509SvidError (`ERR_X509_CERT_MALFORMED`) if the input is empty or a certificate is malformed.
 */
export function parseCertificates(input: DerOrPem, field = 'certificates'): X509Certificate[] {
  let ders: Buffer[];
  try {
    ders =
      typeof input !== 'string' && !looksLikePem(input)
        ? der.splitConcatenated(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 'der')
        : decodePem(toText(input), 'CERTIFICATE').map((block) => block.der);
  } catch (err) {
    throw new X509SvidError('ERR_X509_CERT_MALFORMED', `${field}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (ders.length === 0)
    throw new X509SvidError('ERR_X509_CERT_MALFORMED', `${field}: no certificates found`);
  return ders.map((certDer, i) => toCertificate(certDer, field, i));
}

/**
 * Parses a private key from PKCS#8 DER or PEM (`PRIVATE KEY`, and for PEM also `EC PRIVATE KEY` /
 * `RSA PRIVATE KEY`). Only RSA, EC and Ed25519 keys are accepted.
 * @throws X509SvidError (`ERR_PRIVATE_KEY_MALFORMED`) naming `field`.
 */
export function parsePrivateKey(input: DerOrPem | KeyObject, field = 'private key'): KeyObject {
  let key: KeyObject;
  if (input instanceof KeyObject) {
    key = input;
  } else {
    try {
      key = isPem(input)
        ? createPrivateKey({ key: toText(input), format: 'pem' })
        : createPrivateKey({ key: Buffer.from(input), format: 'der', type: 'pkcs8' });
    } catch (err) {
      throw new X509SvidError(
        'ERR_PRIVATE_KEY_MALFORMED',
        `${field}: cannot be parsed as a pkcs8 private key`,
        { cause: err },
      );
    }
  }
  if (key.type !== 'private')
    throw new X509SvidError('ERR_PRIVATE_KEY_MALFORMED', `${field}: not a private key`);
  const kind = key.asymmetricKeyType;
  if (kind !== 'rsa' && kind !== 'ec' && kind !== 'ed25519') {
    throw new X509SvidError('ERR_PRIVATE_KEY_MALFORMED', `${field}: unsupported key type ${String(kind)}`);
  }
  return key;
}

/** Encodes certificates as PEM `CERTIFICATE` blocks (one after another). */
export function certificatesToPem(certs: readonly X509Certificate[]): string {
  return encodePemBlocks(
    'CERTIFICATE',
    certs.map((c) => c.raw),
  );
}

/** Concatenates the certificates' DER encodings. */
export function certificatesToDer(certs: readonly X509Certificate[]): Buffer {
  return Buffer.concat(certs.map((c) => c.raw));
}
