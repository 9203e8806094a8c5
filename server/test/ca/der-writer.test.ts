import {
  bitString,
  boolean,
  encodeLength,
  explicit,
  integer,
  namedBits,
  nullValue,
  octetString,
  oid,
  printableString,
  directoryString,
  seq,
  set,
  time,
  utf8String,
} from '../../src/ca/der/writer';
import { children, readNode, readOid, readSingle } from '../../src/ca/der/reader';
import { encodeName } from '../../src/ca/der/name';
import { InvalidArgumentError } from '@lanyard/base';

const hex = (b: Buffer): string => b.toString('hex');

describe('DER writer', () => {
  it('encodes short and long lengths minimally', () => {
    expect(hex(encodeLength(0))).toBe('00');
    expect(hex(encodeLength(127))).toBe('7f');
    expect(hex(encodeLength(128))).toBe('8180');
    expect(hex(encodeLength(256))).toBe('820100');
    expect(hex(encodeLength(65536))).toBe('83010000');
  });

  it('encodes INTEGERs as positive two-complement with minimal octets', () => {
    expect(hex(integer(0))).toBe('020100');
    expect(hex(integer(127))).toBe('02017f');
    expect(hex(integer(128))).toBe('02020080');
    expect(hex(integer(256))).toBe('02020100');
    expect(hex(integer(2n ** 64n))).toBe('0209010000000000000000');
    expect(hex(integer(Buffer.from('0000ff01', 'hex')))).toBe('020300ff01');
    expect(hex(integer(Buffer.from('0000', 'hex')))).toBe('020100');
  });

  it('encodes OIDs (RFC vectors) including multi-byte arcs', () => {
    expect(hex(oid('1.2.840.113549'))).toBe('06062a864886f70d');
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(oid('2.999.3'))).toBe('0603883703');
  });

  it('round-trips OIDs through the reader', () => {
    for (const dotted of ['1.2.840.113549.1.9.14', '2.5.4.45', '1.3.6.1.5.5.7.3.2', '2.999.1']) {
      expect(readOid(readNode(oid(dotted), 0, 'oid'), 'oid')).toBe(dotted);
    }
  });

  it('encodes keyUsage named bits with trailing zero bits removed', () => {
    // digitalSignature | keyEncipherment | keyAgreement → 10101xxx, 3 unused bits
    expect(hex(namedBits([0, 2, 4]))).toBe('030203a8');
    // keyCertSign | cRLSign → 0000011x, 1 unused bit
    expect(hex(namedBits([5, 6]))).toBe('03020106');
    // decipherOnly (bit 8) spills into a second octet
    expect(hex(namedBits([0, 8]))).toBe('0303078080');
  });

  it('encodes BOOLEAN, NULL, BIT STRING, OCTET STRING and strings', () => {
    expect(hex(boolean(true))).toBe('0101ff');
    expect(hex(boolean(false))).toBe('010100');
    expect(hex(nullValue())).toBe('0500');
    expect(hex(bitString(Buffer.from([0xab])))).toBe('030200ab');
    expect(hex(octetString(Buffer.from([1, 2])))).toBe('04020102');
    expect(hex(printableString('US'))).toBe('13025553');
    expect(hex(utf8String('é'))).toBe('0c02c3a9');
    expect(hex(directoryString('SPIRE'))).toBe('13055350495245');
    expect(directoryString('Ünïcode')[0]).toBe(0x0c);
    expect(() => printableString('a@b')).toThrow(RangeError);
  });

  it('uses UTCTime before 2050 and GeneralizedTime from 2050', () => {
    expect(time(new Date(Date.UTC(2026, 10, 24, 6, 5, 9))).toString('latin1', 2)).toBe('261124060509Z');
    expect(time(new Date(Date.UTC(2026, 10, 24))).subarray(0, 1)[0]).toBe(0x17);
    const late = time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0)));
    expect(late[0]).toBe(0x18);
    expect(late.toString('latin1', 2)).toBe('20500101000000Z');
    expect(time(new Date(Date.UTC(1949, 11, 31)))[0]).toBe(0x18);
  });

  it('sorts SET OF members and wraps explicit context tags', () => {
    expect(hex(set(integer(2), integer(1)))).toBe('3106020101020102');
    expect(hex(explicit(3, seq()))).toBe('a3023000');
    expect(hex(seq(integer(1), boolean(true)))).toBe('30060201010101ff');
  });

  it('encodes a Name with one attribute per RDN', () => {
    const name = encodeName({ country: ['US'], organization: ['SPIRE'], commonName: 'web.example.org' });
    const rdns = children(readSingle(name, 0x30, 'name'), 'name');
    expect(rdns).toHaveLength(3);
    expect(rdns.every((r) => r.tag === 0x31)).toBe(true);
  });
});

describe('DER reader', () => {
  it('rejects truncated input with an InvalidArgumentError naming the field', () => {
    expect(() => readSingle(Buffer.from('3005020101', 'hex'), 0x30, 'csr')).toThrow(
      new InvalidArgumentError('csr is truncated'),
    );
  });

  it('rejects non-minimal lengths and trailing data', () => {
    expect(() => readSingle(Buffer.from('30810100', 'hex'), 0x30, 'x')).toThrow(/non-minimal length/);
    expect(() => readSingle(Buffer.from('300000', 'hex'), 0x30, 'x')).toThrow(/trailing data/);
    expect(() => readSingle(Buffer.from('0400', 'hex'), 0x30, 'x')).toThrow(/has tag 0x4, expected 0x30/);
  });
});
