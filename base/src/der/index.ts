/**
 * The one ASN.1 DER layer of Lanyard: a strict bounds-checked reader, the fast writer the server CA issues with,
 * a BER → DER normaliser, tag constants and the OID table. Exported from `@lanyard/base` as the `der` namespace:
 *
 * @example
 * ```ts
 * import { der } from '@lanyard/base';
 * const algorithm = der.seq(der.oid(der.Oid.ecdsaWithSha256));
 * const [oid] = der.children(der.readSingle(algorithm, der.Tag.SEQUENCE, 'algorithm'), 'algorithm');
 * der.readOid(oid, 'algorithm oid'); // '1.2.840.10045.4.3.2'
 * ```
 */
export * from './tags';
export * from './oids';
export * from './reader';
export * from './writer';
export * from './ber';
