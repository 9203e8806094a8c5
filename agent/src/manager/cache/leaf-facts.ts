import { der, InvalidArgumentError } from '@lanyard/base';

/** What the cache needs from an SVID's leaf certificate, read straight from its DER. */
export interface LeafFacts {
  /** notBefore, epoch milliseconds. */
  readonly notBefore: number;
  /** notAfter, epoch milliseconds. */
  readonly notAfter: number;
  /** The DER SubjectPublicKeyInfo (a view into the input). */
  readonly subjectPublicKeyInfo: Buffer;
}

/**
 * Reads validity and public key of a certificate with the DER reader, creating no native certificate object
 * (thousands of those per sync are garbage the JavaScript collector does not see the size of).
 * @throws InvalidArgumentError `svid leaf certificate does not parse` when the structure is not a certificate.
 */
export function readLeafFacts(certDer: Buffer): LeafFacts {
  try {
    const cert = der.readSingle(certDer, der.Tag.SEQUENCE, 'certificate');
    const tbs = der.expectTag(der.children(cert, 'certificate')[0], der.Tag.SEQUENCE, 'tbs certificate');
    const fields = der.children(tbs, 'tbs certificate');
    const first = fields[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
    const validity = der.expectTag(fields[first + 3], der.Tag.SEQUENCE, 'validity');
    const [notBefore, notAfter] = der.children(validity, 'validity');
    const spki = der.expectTag(fields[first + 5], der.Tag.SEQUENCE, 'subject public key info');
    return {
      notBefore: der.readTime(notBefore, 'validity not before'),
      notAfter: der.readTime(notAfter, 'validity not after'),
      subjectPublicKeyInfo: spki.raw,
    };
  } catch (err) {
    throw new InvalidArgumentError('svid leaf certificate does not parse', 'ERR_SVID_CHAIN', { cause: err });
  }
}
