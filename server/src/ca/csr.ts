/**
 * PKCS#10 CertificationRequest parsing (RFC 2986) with signature verification over the raw
 * CertificationRequestInfo bytes. The subject is returned raw and otherwise ignored.
 */
import { verify } from 'node:crypto';
import { der, InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { importSubjectKey, type ImportedKey } from './der/spki';
import { requireMemberId } from './names';
import type { ParsedCsr } from './types';

/** A verified CSR plus its raw SPKI bytes (embedded as-is in the issued certificate). */
export interface VerifiedCsr extends ParsedCsr {
  /** SubjectPublicKeyInfo DER, a slice of the input. */
  spkiDer: Buffer;
}

/** The `der` functions this hot path calls, bound once (each `der.x` is a getter call through the re-exports). */
const { Oid, children, expectTag, isOid, readBitStringBytes, readNode, readOid, readSingle, sameOid } = der;

interface SignatureAlgorithm {
  oid: string;
  keyType: string;
  hash: string | null;
}

const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = [
  { oid: Oid.ecdsaWithSha256, keyType: 'ec', hash: 'sha256' },
  { oid: Oid.ecdsaWithSha384, keyType: 'ec', hash: 'sha384' },
  { oid: Oid.ecdsaWithSha512, keyType: 'ec', hash: 'sha512' },
  { oid: Oid.sha256WithRsa, keyType: 'rsa', hash: 'sha256' },
  { oid: Oid.sha384WithRsa, keyType: 'rsa', hash: 'sha384' },
  { oid: Oid.sha512WithRsa, keyType: 'rsa', hash: 'sha512' },
  { oid: Oid.ed25519, keyType: 'ed25519', hash: null },
];

const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Parses a DER PKCS#10 request, checks its key is EC (P-256/384/521), RSA ≥ 2048 or Ed25519, and verifies
 * its self-signature. Throws `InvalidArgumentError` (`ERR_CSR_MALFORMED`, `ERR_CSR_SIGNATURE`) naming the defect.
 */
export function parseAndVerifyCsr(csrDer: Buffer): VerifiedCsr {
  if (!Buffer.isBuffer(csrDer) || csrDer.length === 0) throw malformedCsr('csr is empty');
  try {
    return parse(csrDer);
  } catch (err) {
    if (err instanceof InvalidArgumentError && err.code !== 'ERR_MALFORMED_DER') throw err;
    throw malformedCsr(err instanceof Error ? err.message : String(err));
  }
}

function parse(csrDer: Buffer): VerifiedCsr {
  const [info, algorithm, signature] = children(readSingle(csrDer, 0x30, 'csr'), 'csr');
  expectTag(info, 0x30, 'csr certification request info');
  const [version, subject, spki, attributes] = children(info, 'csr certification request info');
  const versionBytes = expectTag(version, 0x02, 'csr version').content;
  if (versionBytes.length !== 1 || versionBytes[0] !== 0) throw malformedCsr('csr version is not 1');
  expectTag(subject, 0x30, 'csr subject');
  expectTag(spki, 0x30, 'csr subject public key info');
  const publicKey = importPublicKey(spki);
  const signatureAlgorithm = readSignatureAlgorithm(
    children(expectTag(algorithm, 0x30, 'csr signature algorithm'), 'csr')[0],
  );
  const signatureBytes = readBitStringBytes(signature, 'csr signature');
  verifySignature(publicKey, signatureAlgorithm, info.raw, signatureBytes);
  const sans = attributes ? readSans(expectTag(attributes, 0xa0, 'csr attributes')) : { uris: [], dns: [] };
  return {
    publicKey: publicKey.key,
    spkiDer: spki.raw,
    subjectDer: subject.raw,
    uriSans: sans.uris,
    dnsNames: sans.dns,
  };
}

function importPublicKey(spki: der.DerNode): ImportedKey {
  let imported: ImportedKey;
  try {
    imported = importSubjectKey(spki);
  } catch {
    throw malformedCsr('csr public key is not a valid subject public key info');
  }
  const { key, type } = imported;
  if (type === 'ec' && imported.ecCurve) return imported; // P-256/384/521 from its uncompressed point
  const details = key.asymmetricKeyDetails;
  if (type === 'ec' && details?.namedCurve && EC_CURVES.has(details.namedCurve)) return imported;
  if (type === 'rsa' && (details?.modulusLength ?? 0) >= 2048) return imported;
  if (type === 'ed25519') return imported;
  const what =
    type === 'ec'
      ? `ec ${details?.namedCurve ?? '?'}`
      : type === 'rsa'
        ? `rsa-${details?.modulusLength}`
        : type;
  throw new InvalidArgumentError(`csr public key type "${what}" is not supported`, 'ERR_CSR_KEY_TYPE');
}

/**
 * The signature algorithm of `node`, matched by its encoding, or the dotted OID of one we do not support (decoded,
 * so a malformed OID throws here).
 */
function readSignatureAlgorithm(node: der.DerNode | undefined): SignatureAlgorithm | string {
  for (const algorithm of SIGNATURE_ALGORITHMS) if (sameOid(node, algorithm.oid)) return algorithm;
  const dotted = readOid(node, 'csr signature algorithm');
  return SIGNATURE_ALGORITHMS.find((a) => a.oid === dotted) ?? dotted;
}

function verifySignature(
  key: ImportedKey,
  algorithm: SignatureAlgorithm | string,
  data: Buffer,
  signature: Buffer,
): void {
  if (typeof algorithm === 'string')
    throw malformedCsr(`csr signature algorithm ${algorithm} is not supported`);
  if (algorithm.keyType !== key.type) {
    throw new InvalidArgumentError(
      'invalid CSR signature: algorithm does not match the public key',
      'ERR_CSR_SIGNATURE',
    );
  }
  let ok = false;
  try {
    ok = verify(algorithm.hash, data, key.key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new InvalidArgumentError('invalid CSR signature', 'ERR_CSR_SIGNATURE');
}

function readSans(attributes: der.DerNode): { uris: string[]; dns: string[] } {
  const result = { uris: [] as string[], dns: [] as string[] };
  for (const attribute of children(attributes, 'csr attribute')) {
    const [type, values] = children(expectTag(attribute, 0x30, 'csr attribute'), 'csr attribute');
    if (!isOid(type, Oid.extensionRequest, 'csr attribute type')) continue;
    const extensions = readNode(
      expectTag(values, 0x31, 'csr extension request').content,
      0,
      'csr extensions',
    );
    for (const extension of children(expectTag(extensions, 0x30, 'csr extensions'), 'csr extensions')) {
      const fields = children(expectTag(extension, 0x30, 'csr extension'), 'csr extension');
      if (!isOid(fields[0], Oid.subjectAltName, 'csr extension id')) continue;
      const value = expectTag(fields[fields.length - 1], 0x04, 'csr subject alternative name');
      readGeneralNames(readSingle(value.content, 0x30, 'csr subject alternative name'), result);
    }
  }
  return result;
}

function readGeneralNames(names: der.DerNode, into: { uris: string[]; dns: string[] }): void {
  for (const name of children(names, 'csr subject alternative name')) {
    if (name.tag === 0x86 || name.tag === 0x82) {
      const text = name.content.toString('latin1');
      if (!/^[\x21-\x7e]*$/.test(text))
        throw malformedCsr('csr subject alternative name has non-ascii characters');
      (name.tag === 0x86 ? into.uris : into.dns).push(text);
    }
  }
}

function malformedCsr(detail: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed CSR: ${detail}`, 'ERR_CSR_MALFORMED');
}

/**
 * The SPIFFE ID to issue for a CSR. With `expected` (entry flow) the CSR may omit the URI SAN but must not
 * name another ID (`PermissionDeniedError`); without it (mint flow) exactly one valid URI SAN is required.
 */
export function csrSpiffeId(
  uriSans: readonly string[],
  expected: string | undefined,
  trustDomain: string,
): string {
  if (uriSans.length > 1) throw new InvalidArgumentError('only one URI SAN is expected', 'ERR_CSR_URI_SAN');
  if (expected !== undefined) {
    requireMemberId(expected, trustDomain, 'expected spiffe id');
    if (uriSans.length === 1 && uriSans[0] !== expected) {
      throw new PermissionDeniedError(
        `CSR URI SAN "${uriSans[0]}" does not match the authorized SPIFFE ID "${expected}"`,
        'ERR_CSR_SPIFFE_ID_MISMATCH',
      );
    }
    return expected;
  }
  if (uriSans.length === 0) throw new InvalidArgumentError('CSR URI SAN is required', 'ERR_CSR_URI_SAN');
  try {
    requireMemberId(uriSans[0], trustDomain, 'CSR URI SAN');
  } catch (err) {
    throw new InvalidArgumentError(`CSR URI SAN is invalid: ${(err as Error).message}`, 'ERR_CSR_URI_SAN');
  }
  return uriSans[0];
}
