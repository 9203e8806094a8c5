/** X.509 v3 extension encoders (RFC 5280 §4.2). Constant ones are encoded once. */
import { der } from '@lanyard/base';

/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KeyUsageBit = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

/** The `der` writer functions used per certificate, bound once (each `der.x` is a getter through the re-exports). */
const { Oid, ia5Bytes, implicitPrimitive, octetString, oid, seq } = der;

const TRUE = der.boolean(true);

/** Encodes one Extension; `critical` FALSE is omitted as DER requires. */
export function extension(extnId: string, critical: boolean, valueDer: Buffer): Buffer {
  return critical ? seq(oid(extnId), TRUE, octetString(valueDer)) : seq(oid(extnId), octetString(valueDer));
}

/** keyUsage, critical. */
export function keyUsage(bits: readonly number[]): Buffer {
  return extension(der.Oid.keyUsage, true, der.namedBits(bits));
}

/** basicConstraints, critical; `cA` FALSE encodes as an empty SEQUENCE. */
export function basicConstraints(isCa: boolean): Buffer {
  return extension(der.Oid.basicConstraints, true, isCa ? der.seq(der.boolean(true)) : der.seq());
}

/** extKeyUsage with the given purpose OIDs, not critical. */
export function extKeyUsage(purposes: readonly string[]): Buffer {
  return extension(der.Oid.extKeyUsage, false, der.seq(...purposes.map((p) => der.oid(p))));
}

/** subjectKeyIdentifier. */
export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension(Oid.subjectKeyIdentifier, false, octetString(keyId));
}

/** authorityKeyIdentifier carrying only `[0] keyIdentifier`. */
export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  return extension(Oid.authorityKeyIdentifier, false, der.seq(der.tlv(0x80, keyId)));
}

/** subjectAltName with URI (`[6]`) then DNS (`[2]`) names; critical when the subject is empty. */
export function subjectAltName(
  uris: readonly string[],
  dnsNames: readonly string[],
  critical = false,
): Buffer {
  const names = [
    ...uris.map((u) => implicitPrimitive(6, ia5Bytes(u))),
    ...dnsNames.map((d) => implicitPrimitive(2, ia5Bytes(d))),
  ];
  return extension(Oid.subjectAltName, critical, seq(...names));
}

/** Leaf keyUsage as SPIRE issues it: digitalSignature | keyEncipherment | keyAgreement. */
export const LEAF_KEY_USAGE = keyUsage([
  KeyUsageBit.digitalSignature,
  KeyUsageBit.keyEncipherment,
  KeyUsageBit.keyAgreement,
]);

/** CA keyUsage: keyCertSign | cRLSign. */
export const CA_KEY_USAGE = keyUsage([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]);

/** basicConstraints cA=FALSE. */
export const LEAF_BASIC_CONSTRAINTS = basicConstraints(false);

/** basicConstraints cA=TRUE. */
export const CA_BASIC_CONSTRAINTS = basicConstraints(true);

/** extKeyUsage serverAuth + clientAuth. */
export const SVID_EXT_KEY_USAGE = extKeyUsage([der.Oid.serverAuth, der.Oid.clientAuth]);
