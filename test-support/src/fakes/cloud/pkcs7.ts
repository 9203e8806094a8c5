import { createHash, sign, type KeyObject } from 'node:crypto';
import { der } from '@lanyard/base';
import type { SigningIdentity } from './signing-identity';

/** Options for {@link signPkcs7}. */
export interface Pkcs7Options {
  /** Embed these certificates (usually the signer's own) in `certificates`; default: embed nothing. */
  readonly embedCertificates?: readonly Pick<SigningIdentity, 'certDer'>[];
  /** Sign the content itself, without signed attributes; default: content type, signing time and message digest. */
  readonly withoutSignedAttributes?: boolean;
  /** Encode as BER with indefinite lengths and a chunked content OCTET STRING, as AWS does; default DER. */
  readonly indefiniteLength?: boolean;
}

const SHA256 = der.seq(der.oid(der.Oid.sha256), der.nullValue());

/** The SignerInfo signature algorithm for the signer's key: rsaEncryption, dsa-with-sha256 or ecdsa-with-SHA256. */
function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return der.seq(der.oid(der.Oid.rsaEncryption), der.nullValue());
  if (key.asymmetricKeyType === 'dsa') return der.seq(der.oid(der.Oid.dsaWithSha256));
  if (key.asymmetricKeyType === 'ec') return der.seq(der.oid(der.Oid.ecdsaWithSha256));
  throw new Error(`pkcs7 test signer key type ${String(key.asymmetricKeyType)} is not supported`);
}

/** What signs a PKCS#7: a private key and the DER certificate of its public key. */
export type Pkcs7Signer = Pick<SigningIdentity, 'privateKey' | 'certDer'>;

/**
 * Signs `content` (SHA-256; RSA PKCS#1 v1.5, DSA or ECDSA by the key's type) into a PKCS#7 / CMS SignedData ContentInfo with the content attached,
 * the shape AWS (`rsa2048`) and Azure (`attested/document`) return.
 */
export function signPkcs7(signer: Pkcs7Signer, content: Buffer, options: Pkcs7Options = {}): Buffer {
  const attributes = options.withoutSignedAttributes ? undefined : signedAttributes(content);
  const signature = sign('sha256', attributes ?? content, signer.privateKey);
  const signerInfo = der.seq(
    der.integer(1),
    issuerAndSerial(signer.certDer),
    SHA256,
    ...(attributes ? [implicitTag0(attributes)] : []),
    signatureAlgorithm(signer.privateKey),
    der.octetString(signature),
  );
  const certificates = options.embedCertificates ?? [];
  const signedData = der.seq(
    der.integer(1),
    der.set(SHA256),
    der.seq(der.oid(der.Oid.data), der.explicit(0, der.octetString(content))),
    ...(certificates.length
      ? [
          der.constructed(
            0xa0,
            certificates.map((c) => c.certDer),
          ),
        ]
      : []),
    der.set(signerInfo),
  );
  const contentInfo = der.seq(der.oid(der.Oid.signedData), der.explicit(0, signedData));
  return options.indefiniteLength ? toIndefiniteBer(contentInfo) : contentInfo;
}

/** The DER SET OF attributes the signature covers (re-tagged `[0]` inside SignerInfo). */
function signedAttributes(content: Buffer): Buffer {
  const attribute = (type: string, value: Buffer): Buffer => der.seq(der.oid(type), der.set(value));
  return der.set(
    attribute(der.Oid.contentType, der.oid(der.Oid.data)),
    attribute(der.Oid.signingTime, der.time(new Date())),
    attribute(der.Oid.messageDigest, der.octetString(createHash('sha256').update(content).digest())),
  );
}

/** The SET OF re-tagged as `[0] IMPLICIT`, as SignerInfo carries signed attributes. */
function implicitTag0(set: Buffer): Buffer {
  const tagged = Buffer.from(set);
  tagged[0] = 0xa0;
  return tagged;
}

function issuerAndSerial(certDer: Buffer): Buffer {
  const cert = der.readSingle(certDer, der.Tag.SEQUENCE, 'signer certificate');
  const tbs = der.children(der.children(cert, 'signer certificate')[0], 'signer tbs');
  const first = tbs[0].tag === 0xa0 ? 1 : 0;
  return der.seq(tbs[first + 2].raw, tbs[first].raw);
}

/** Chunk size of a chunked OCTET STRING in the BER form. */
const CHUNK = 64;

/** Re-encodes DER with indefinite lengths on every constructed value and long OCTET STRINGs split into chunks. */
function toIndefiniteBer(input: Buffer): Buffer {
  const node = der.readSingle(input, input[0], 'ber');
  const eoc = Buffer.from([0, 0]);
  if (node.tag & 0x20) {
    const parts = der.children(node, 'ber').map((child) => toIndefiniteBer(child.raw));
    return Buffer.concat([Buffer.from([node.tag, 0x80]), ...parts, eoc]);
  }
  if (node.tag !== der.Tag.OCTET_STRING || node.content.length <= CHUNK) return node.raw;
  const chunks: Buffer[] = [];
  for (let i = 0; i < node.content.length; i += CHUNK)
    chunks.push(der.octetString(node.content.subarray(i, i + CHUNK)));
  return Buffer.concat([Buffer.from([0x24, 0x80]), ...chunks, eoc]);
}
