import { X509Certificate, generateKeyPairSync, sign } from 'node:crypto';
import { InvalidArgumentError, der } from '@lanyard/base';

const hex = (b: Buffer): string => b.toString('hex');

describe('der writer', () => {
  it('encodes short and long lengths minimally', () => {
    expect(hex(der.encodeLength(0))).toBe('00');
    expect(hex(der.encodeLength(127))).toBe('7f');
    expect(hex(der.encodeLength(128))).toBe('8180');
    expect(hex(der.encodeLength(256))).toBe('820100');
    expect(hex(der.encodeLength(65536))).toBe('83010000');
    expect(hex(der.octetString(Buffer.alloc(300)).subarray(0, 4))).toBe('0482012c');
    expect(hex(der.header(0x30, 5))).toBe('3005');
    expect(hex(der.header(0xa3, 300))).toBe('a382012c');
    const parts = [Buffer.from('0101ff', 'hex'), Buffer.from('0500', 'hex')];
    expect(der.constructed(0x30, [der.header(0x30, 5), ...parts]).equals(der.seq(der.seq(...parts)))).toBe(
      true,
    );
  });

  it('encodes INTEGERs as positive two-complement with minimal octets', () => {
    expect(hex(der.integer(0))).toBe('020100');
    expect(hex(der.integer(127))).toBe('02017f');
    expect(hex(der.integer(128))).toBe('02020080');
    expect(hex(der.integer(256))).toBe('02020100');
    expect(hex(der.integer(2n ** 64n))).toBe('0209010000000000000000');
    expect(hex(der.integer(Buffer.from('0000ff01', 'hex')))).toBe('020300ff01');
    expect(hex(der.integer(Buffer.from('0000', 'hex')))).toBe('020100');
    expect(hex(der.integer(Buffer.alloc(0)))).toBe('020100');
    expect(hex(der.integer(Buffer.from('80', 'hex')))).toBe('02020080');
    expect(hex(der.integer(Buffer.alloc(130, 0xff)).subarray(0, 5))).toBe('02818300ff');
  });

  it('refuses negative and non-integral numbers with an InvalidArgumentError', () => {
    expect(() => der.integer(-1)).toThrow(InvalidArgumentError);
    expect(() => der.integer(1.5)).toThrow(/not a safe integer/);
  });

  it('encodes OIDs (RFC vectors) including multi-byte arcs, and refuses bad ones', () => {
    expect(hex(der.oid('1.2.840.113549'))).toBe('06062a864886f70d');
    expect(hex(der.oid('2.5.29.17'))).toBe('0603551d11');
    expect(hex(der.oid(der.Oid.ecdsaWithSha256))).toBe('06082a8648ce3d040302');
    expect(hex(der.oid('2.999.3'))).toBe('0603883703');
    expect(() => der.oid('1.x.3')).toThrow(/oid "1.x.3" has a non-numeric arc/);
    expect(() => der.oid('1')).toThrow(InvalidArgumentError);
    expect(() => der.oid('1.40.1')).toThrow(/not a valid object identifier/);
  });

  it('encodes keyUsage named bits with trailing zero bits removed', () => {
    expect(hex(der.namedBits([0, 2, 4]))).toBe('030203a8');
    expect(hex(der.namedBits([5, 6]))).toBe('03020106');
    expect(hex(der.namedBits([0, 8]))).toBe('0303078080');
    expect(hex(der.namedBits([]))).toBe('030100');
  });

  it('encodes BOOLEAN, NULL, BIT STRING, OCTET STRING and strings', () => {
    expect(hex(der.boolean(true))).toBe('0101ff');
    expect(hex(der.boolean(false))).toBe('010100');
    expect(hex(der.nullValue())).toBe('0500');
    expect(hex(der.bitString(Buffer.from([0xab])))).toBe('030200ab');
    expect(hex(der.octetString(Buffer.from([1, 2])))).toBe('04020102');
    expect(hex(der.printableString('US'))).toBe('13025553');
    expect(hex(der.utf8String('é'))).toBe('0c02c3a9');
    expect(hex(der.ia5String('a.b'))).toBe('1603612e62');
    expect(hex(der.directoryString('SPIRE'))).toBe('13055350495245');
    expect(der.directoryString('Ünïcode')[0]).toBe(0x0c);
    expect(() => der.printableString('a@b')).toThrow(/"a@b" has characters outside the PrintableString set/);
    expect(() => der.ia5String('é')).toThrow(InvalidArgumentError);
  });

  it('uses UTCTime before 2050 and GeneralizedTime from 2050', () => {
    expect(der.time(new Date(Date.UTC(2026, 10, 24, 6, 5, 9))).toString('latin1', 2)).toBe('261124060509Z');
    expect(der.time(new Date(Date.UTC(2026, 10, 24)))[0]).toBe(0x17);
    const late = der.time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0)));
    expect(late[0]).toBe(0x18);
    expect(late.toString('latin1', 2)).toBe('20500101000000Z');
    expect(der.time(new Date(Date.UTC(1949, 11, 31)))[0]).toBe(0x18);
  });

  it('sorts SET OF members and wraps explicit and implicit context tags', () => {
    expect(hex(der.set(der.integer(2), der.integer(1)))).toBe('3106020101020102');
    expect(hex(der.explicit(3, der.seq()))).toBe('a3023000');
    expect(hex(der.implicitPrimitive(6, Buffer.from('a')))).toBe('860161');
    expect(hex(der.seq(der.integer(1), der.boolean(true)))).toBe('30060201010101ff');
  });

  it('builds a certificate OpenSSL accepts (real signature, real parser)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const name = der.seq(der.set(der.seq(der.oid(der.Oid.commonName), der.utf8String('base test'))));
    const algorithm = der.seq(der.oid(der.Oid.ecdsaWithSha256));
    const tbs = der.seq(
      der.explicit(0, der.integer(2)),
      der.integer(Buffer.from('0102030405', 'hex')),
      algorithm,
      name,
      der.seq(der.time(new Date(Date.now() - 60_000)), der.time(new Date(Date.now() + 3_600_000))),
      name,
      publicKey.export({ type: 'spki', format: 'der' }),
    );
    const certDer = der.seq(tbs, algorithm, der.bitString(sign('sha256', tbs, privateKey)));
    const cert = new X509Certificate(certDer);
    expect(cert.subject).toBe('CN=base test');
    expect(cert.serialNumber).toBe('0102030405');
    expect(cert.verify(publicKey)).toBe(true);
  });
});
