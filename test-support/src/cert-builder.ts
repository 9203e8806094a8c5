import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { der } from '@lanyard/base';
import { signatureSchemeFor } from './test-keys';

/** Key usage bits by name (RFC 5280 §4.2.1.3). */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

/** Extended key usages by name. */
export type ExtKeyUsageName = 'serverAuth' | 'clientAuth';

const EXT_KEY_USAGE_OIDS: Record<ExtKeyUsageName, string> = {
  serverAuth: der.Oid.serverAuth,
  clientAuth: der.Oid.clientAuth,
};

/** A distinguished name with the few attributes tests need. An empty object encodes an empty name. */
export interface TestName {
  commonName?: string;
  organization?: string;
  country?: string;
}

/**
 * Everything that goes into one certificate. Fields are deliberately unchecked so tests can build broken
 * certificates (a CA with a leaf path, two URI SANs, an expired window, no key usage, ...).
 */
export interface CertificateFields {
  subject: TestName;
  issuer: TestName;
  /** Public key certified. */
  publicKey: crypto.KeyObject;
  /** Key that signs the certificate (the issuer's private key, or the subject's own for self-signed). */
  signingKey: crypto.KeyObject;
  /** Public key of the issuer, used for the authority key identifier. */
  issuerPublicKey: crypto.KeyObject;
  notBefore: Date;
  notAfter: Date;
  serialNumber?: Buffer;
  /** `true` writes `cA TRUE`; `false` writes an empty (leaf) basicConstraints; `null` omits the extension. */
  isCa: boolean | null;
  pathLen?: number;
  /** Key usage bits; `null` omits the extension. */
  keyUsage: KeyUsageName[] | null;
  keyUsageCritical?: boolean;
  /** Extended key usages; `null` omits the extension. */
  extKeyUsage: ExtKeyUsageName[] | null;
  uris?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Defaults to true when the subject is empty (RFC 5280 §4.1.2.6), false otherwise. */
  sanCritical?: boolean;
  /** Authority Information Access `caIssuers` URL (where the issuer certificate can be downloaded). */
  caIssuersUrl?: string;
}

function encodeName(name: TestName): Buffer {
  const attributes: Array<[string, string | undefined]> = [
    [der.Oid.countryName, name.country],
    [der.Oid.organizationName, name.organization],
    [der.Oid.commonName, name.commonName],
  ];
  const rdns = attributes
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([type, value]) => der.set(der.seq(der.oid(type), der.utf8String(value))));
  return der.seq(...rdns);
}

function extension(oidText: string, critical: boolean, value: Buffer): Buffer {
  const parts = [der.oid(oidText)];
  if (critical) parts.push(der.boolean(true));
  parts.push(der.octetString(value));
  return der.seq(...parts);
}

function encodeKeyUsage(usages: KeyUsageName[]): Buffer {
  const bits = usages.map((name) => KEY_USAGE_BITS[name]);
  const highest = Math.max(...bits, 0);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  const unused = usages.length === 0 ? 0 : bytes.length * 8 - (highest + 1);
  return der.bitString(bytes, unused);
}

function encodeIp(address: string): Buffer {
  if (net.isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!net.isIPv6(address)) throw new Error(`test certificate ip address ${address} is not an IP literal`);
  const [head, tail] = address.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const zeros: string[] = Array(8 - before.length - after.length).fill('0');
  const groups = tail === undefined ? before : [...before, ...zeros, ...after];
  return Buffer.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

function encodeSan(fields: CertificateFields): Buffer {
  const names = [
    ...(fields.dnsNames ?? []).map((n) => der.implicitPrimitive(2, Buffer.from(n, 'ascii'))),
    ...(fields.uris ?? []).map((u) => der.implicitPrimitive(6, Buffer.from(u, 'ascii'))),
    ...(fields.ipAddresses ?? []).map((ip) => der.implicitPrimitive(7, encodeIp(ip))),
  ];
  return der.seq(...names);
}

function keyIdentifier(key: crypto.KeyObject): Buffer {
  return crypto
    .createHash('sha1')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest();
}

function encodeExtensions(fields: CertificateFields): Buffer {
  const list: Buffer[] = [];
  if (fields.isCa !== null) {
    const body = fields.isCa
      ? [der.boolean(true), ...(fields.pathLen !== undefined ? [der.integer(fields.pathLen)] : [])]
      : [];
    list.push(extension(der.Oid.basicConstraints, true, der.seq(...body)));
  }
  if (fields.keyUsage !== null) {
    list.push(extension(der.Oid.keyUsage, fields.keyUsageCritical ?? true, encodeKeyUsage(fields.keyUsage)));
  }
  if (fields.extKeyUsage !== null) {
    const oids = fields.extKeyUsage.map((name) => der.oid(EXT_KEY_USAGE_OIDS[name]));
    list.push(extension(der.Oid.extKeyUsage, false, der.seq(...oids)));
  }
  const sanCount =
    (fields.uris?.length ?? 0) + (fields.dnsNames?.length ?? 0) + (fields.ipAddresses?.length ?? 0);
  if (sanCount > 0) {
    const emptySubject = Object.values(fields.subject).every((v) => v === undefined);
    list.push(extension(der.Oid.subjectAltName, fields.sanCritical ?? emptySubject, encodeSan(fields)));
  }
  if (fields.caIssuersUrl !== undefined) {
    const access = der.seq(
      der.oid(der.Oid.caIssuers),
      der.implicitPrimitive(6, Buffer.from(fields.caIssuersUrl)),
    );
    list.push(extension(der.Oid.authorityInfoAccess, false, der.seq(access)));
  }
  list.push(extension(der.Oid.subjectKeyIdentifier, false, der.octetString(keyIdentifier(fields.publicKey))));
  const akid = der.seq(der.implicitPrimitive(0, keyIdentifier(fields.issuerPublicKey)));
  list.push(extension(der.Oid.authorityKeyIdentifier, false, akid));
  return der.explicit(3, der.seq(...list));
}

/** A random positive 16-byte serial number without a leading zero byte. */
export function randomSerialNumber(): Buffer {
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return serial;
}

/** Builds and signs a DER certificate from `fields`. */
export function buildCertificate(fields: CertificateFields): Buffer {
  const scheme = signatureSchemeFor(fields.signingKey);
  const algorithm = der.seq(der.oid(scheme.oid), ...(scheme.nullParams ? [der.nullValue()] : []));
  const tbs = der.seq(
    der.explicit(0, der.integer(2)),
    der.integer(fields.serialNumber ?? randomSerialNumber()),
    algorithm,
    encodeName(fields.issuer),
    der.seq(der.time(fields.notBefore), der.time(fields.notAfter)),
    encodeName(fields.subject),
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    encodeExtensions(fields),
  );
  const signature = crypto.sign(scheme.digest, tbs, fields.signingKey);
  return der.seq(tbs, algorithm, der.bitString(signature));
}
