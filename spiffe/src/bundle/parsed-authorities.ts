/**
 * Reuse of parsed authorities: bundles that arrive again and again as bytes (from a server, from a database)
 * hold mostly the same certificates and keys, so each is parsed once and the parsed object handed out again.
 */
import { KeyObject, X509Certificate, createPublicKey } from 'node:crypto';

/** Most parsed certificates or keys kept; the store is emptied when it grows past this. */
const LIMIT = 256;

/** A bounded map from encoded bytes to the object parsed from them. */
class ParsedByBytes<T> {
  private readonly items = new Map<string, T>();

  constructor(private readonly parse: (der: Buffer) => T) {}

  get(der: Uint8Array): T {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    let item = this.items.get(id);
    if (item === undefined) {
      item = this.parse(Buffer.from(der));
      if (this.items.size >= LIMIT) this.items.clear();
      this.items.set(id, item);
    }
    return item;
  }
}

/**
 * Parses DER certificates and SubjectPublicKeyInfo keys of bundle authorities, handing out the same
 * `X509Certificate` / `KeyObject` for the same bytes (a bounded number of them).
 */
export class ParsedAuthorities {
  private readonly certificates = new ParsedByBytes((der) => new X509Certificate(der));
  private readonly keys = new ParsedByBytes((der) =>
    createPublicKey({ key: der, format: 'der', type: 'spki' }),
  );

  /** The certificate of these DER bytes. @throws the `node:crypto` error when they are not one certificate. */
  certificate(der: Uint8Array): X509Certificate {
    return this.certificates.get(der);
  }

  /** The public key of this SubjectPublicKeyInfo DER. @throws the `node:crypto` error when it does not parse. */
  publicKey(spkiDer: Uint8Array): KeyObject {
    return this.keys.get(spkiDer);
  }
}
