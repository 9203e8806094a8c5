import { InvalidArgumentError, der } from '@lanyard/base';

const buf = (h: string): Buffer => Buffer.from(h, 'hex');

describe('der reader', () => {
  it('reads short- and long-form lengths and exposes raw and content views', () => {
    const node = der.readSingle(buf('3003020101'), der.Tag.SEQUENCE, 'x');
    expect(node.content.toString('hex')).toBe('020101');
    const long = der.octetString(Buffer.alloc(200, 7));
    const read = der.readSingle(long, der.Tag.OCTET_STRING, 'long');
    expect(read.content.length).toBe(200);
    expect(read.raw.length).toBe(203);
  });

  it('rejects truncated headers, lengths and contents with an InvalidArgumentError naming the field', () => {
    expect(() => der.readSingle(buf('30'), 0x30, 'csr')).toThrow(
      new InvalidArgumentError('csr is truncated'),
    );
    expect(() => der.readSingle(buf('3082'), 0x30, 'csr')).toThrow(/csr is truncated/);
    expect(() => der.readSingle(buf('308201'), 0x30, 'csr')).toThrow(/csr is truncated/);
    expect(() => der.readSingle(buf('3005020101'), 0x30, 'csr')).toThrow(/csr is truncated/);
    expect(() => der.readSingle(buf('3005020101'), 0x30, 'csr')).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_DER' }) as Error,
    );
  });

  it('rejects non-minimal, indefinite and oversized lengths', () => {
    expect(() => der.readSingle(buf('30810100'), 0x30, 'x')).toThrow(/x has a non-minimal length/);
    expect(() => der.readSingle(buf('3082000100'), 0x30, 'x')).toThrow(/non-minimal length/);
    expect(() => der.readSingle(buf('30800000'), 0x30, 'x')).toThrow(/indefinite length/);
    expect(() => der.readSingle(buf('3085010000000000'), 0x30, 'x')).toThrow(/unsupported length encoding/);
  });

  it('rejects trailing bytes, wrong tags, multi-byte tags and missing values', () => {
    expect(() => der.readSingle(buf('300000'), 0x30, 'x')).toThrow(/x has trailing data/);
    expect(() => der.readSingle(buf('0400'), 0x30, 'x')).toThrow(/x has tag 0x04, expected 0x30/);
    expect(() => der.readSingle(buf('1f0100'), 0x30, 'x')).toThrow(/multi-byte tag/);
    expect(() => der.expectTag(undefined, 0x02, 'serial')).toThrow(/serial is missing/);
  });

  it('keeps a child inside its parent (no reading past the container)', () => {
    // SEQUENCE of length 3 whose child claims 5 content bytes.
    const outer = buf('3003020501020304');
    const seq = der.readNode(outer, 0, 'outer');
    expect(() => der.children(seq, 'inner')).toThrow(/inner is truncated/);
  });

  it('decodes OIDs and refuses malformed ones', () => {
    const uuidArc = '2.25.329800735698586629295641978511506172918'; // past Number.MAX_SAFE_INTEGER
    for (const dotted of [
      '1.2.840.113549.1.9.14',
      '2.5.4.45',
      '1.3.6.1.5.5.7.3.2',
      '2.999.1',
      '0.9.2342',
      uuidArc,
    ]) {
      expect(der.readOid(der.readNode(der.oid(dotted), 0, 'oid'), 'oid')).toBe(dotted);
    }
    expect(() => der.readOid(der.readNode(buf('0600'), 0, 'o'), 'o')).toThrow(/o is not a valid oid/);
    expect(() => der.readOid(der.readNode(buf('06022a86'), 0, 'o'), 'o')).toThrow(/not a valid oid/);
    expect(() => der.readOid(der.readNode(buf('0602802a'), 0, 'o'), 'o')).toThrow(/not a valid oid/);
  });

  it('matches OIDs by their encoding; isOid still refuses what readOid refuses', () => {
    const [oidNode, other] = der.children(
      der.readSingle(der.seq(der.oid(der.Oid.ecPublicKey), der.oid(der.Oid.prime256v1)), 0x30, 's'),
      's',
    );
    expect(der.sameOid(oidNode, der.Oid.ecPublicKey)).toBe(true);
    expect(der.sameOid(other, der.Oid.ecPublicKey)).toBe(false);
    expect(der.sameOid(undefined, der.Oid.ecPublicKey)).toBe(false);
    expect(der.sameOid(der.readNode(der.integer(1), 0, 'n'), der.Oid.ecPublicKey)).toBe(false);
    expect(der.isOid(oidNode, der.Oid.ecPublicKey, 'o')).toBe(true);
    expect(der.isOid(other, der.Oid.ecPublicKey, 'o')).toBe(false);
    expect(() => der.isOid(der.readNode(buf('06022a86'), 0, 'o'), der.Oid.ecPublicKey, 'o')).toThrow(
      /o is not a valid oid/,
    );
    expect(() => der.isOid(undefined, der.Oid.ecPublicKey, 'o')).toThrow(/o is missing/);
  });

  it('reads children of a node from a nested buffer view the same as from its content', () => {
    const inner = der.seq(der.integer(5), der.octetString(Buffer.from('ab')));
    const framed = Buffer.concat([buf('ffff'), der.seq(inner), buf('ee')]);
    const outer = der.readNode(framed, 2, 'outer');
    const [child] = der.children(outer, 'outer');
    expect(child.raw.equals(inner)).toBe(true);
    const viaContent = der.readAll(child.content, 'inner').map((n) => n.raw.toString('hex'));
    expect(der.children(child, 'inner').map((n) => n.raw.toString('hex'))).toEqual(viaContent);
    expect(der.children({ tag: 0x30, raw: inner, content: inner.subarray(2) }, 'plain').length).toBe(2);
  });

  it('decodes integers strictly', () => {
    expect(der.readSmallUint(der.readNode(der.integer(300), 0, 'n'), 'n')).toBe(300);
    expect(der.readSmallUint(der.readNode(der.integer(128), 0, 'n'), 'n')).toBe(128);
    expect(der.readIntegerBytes(der.readNode(buf('0202ff7f'), 0, 'n'), 'n').toString('hex')).toBe('ff7f');
    expect(() => der.readSmallUint(der.readNode(buf('0201ff'), 0, 'n'), 'n')).toThrow(/n is negative/);
    expect(() => der.readIntegerBytes(der.readNode(buf('0200'), 0, 'n'), 'n')).toThrow(/empty integer/);
    expect(() => der.readIntegerBytes(der.readNode(buf('0202007f'), 0, 'n'), 'n')).toThrow(/non-minimal/);
    expect(() => der.readSmallUint(der.readNode(der.integer(2n ** 56n), 0, 'n'), 'n')).toThrow(
      /out of range/,
    );
  });

  it('decodes booleans, bit strings, octet strings and strings', () => {
    expect(der.readBoolean(der.readNode(der.boolean(true), 0, 'b'), 'b')).toBe(true);
    expect(() => der.readBoolean(der.readNode(buf('010101'), 0, 'b'), 'b')).toThrow(/not a DER boolean/);
    expect(der.readBitString(der.readNode(der.namedBits([0, 2, 4]), 0, 'ku'), 'ku')).toEqual({
      bytes: buf('a8'),
      unusedBits: 3,
    });
    expect(() => der.readBitString(der.readNode(buf('030203a9'), 0, 'ku'), 'ku')).toThrow(/non-zero padding/);
    expect(() => der.readBitString(der.readNode(buf('030108'), 0, 'ku'), 'ku')).toThrow(/unused-bits/);
    expect(() => der.readBitStringBytes(der.readNode(buf('030203a8'), 0, 'key'), 'key')).toThrow(
      /key is not a byte-aligned bit string/,
    );
    expect(der.readOctetString(der.readNode(buf('04020102'), 0, 'o'), 'o')).toEqual(buf('0102'));
    expect(der.readString(der.readNode(der.utf8String('é'), 0, 's'), 's')).toBe('é');
    expect(der.readString(der.readNode(der.printableString('US'), 0, 's'), 's')).toBe('US');
    expect(() => der.readString(der.readNode(der.integer(1), 0, 's'), 's')).toThrow(
      /s has tag 0x02, expected a string/,
    );
  });

  it('decodes UTCTime and GeneralizedTime and refuses other forms', () => {
    const at = Date.UTC(2026, 10, 24, 6, 5, 9);
    expect(der.readTime(der.readNode(der.time(new Date(at)), 0, 't'), 't')).toBe(at);
    const late = Date.UTC(2051, 0, 2, 3, 4, 5);
    expect(der.readTime(der.readNode(der.time(new Date(late)), 0, 't'), 't')).toBe(late);
    expect(der.readTime(der.readNode(der.tlv(0x17, Buffer.from('500101000000Z')), 0, 't'), 't')).toBe(
      Date.UTC(1950, 0, 1),
    );
    expect(() => der.readTime(der.readNode(der.tlv(0x17, Buffer.from('2611240605Z')), 0, 't'), 't')).toThrow(
      /t is not a DER time/,
    );
    expect(() =>
      der.readTime(der.readNode(der.tlv(0x17, Buffer.from('261324060509Z')), 0, 't'), 't'),
    ).toThrow(/not a valid time/);
    expect(() =>
      der.readTime(der.readNode(der.tlv(0x18, Buffer.from('261124060509Z')), 0, 't'), 't'),
    ).toThrow(/not a DER time/);
  });

  it('splits concatenated SEQUENCEs into copies and refuses other values between them', () => {
    const a = der.seq(der.integer(1));
    const b = der.seq(der.integer(2));
    const joined = Buffer.concat([a, b]);
    const parts = der.splitConcatenated(joined, 'chain');
    expect(parts).toEqual([a, b]);
    joined[2] = 0x55;
    expect(parts[0][2]).toBe(0x02);
    expect(() => der.splitConcatenated(Buffer.concat([a, der.integer(1)]), 'chain')).toThrow(
      /chain item 1 has tag 0x02, expected 0x30/,
    );
    expect(() => der.splitConcatenated(Buffer.concat([a, buf('30')]), 'chain')).toThrow(/chain is truncated/);
  });

  it('reads the only child of a wrapper', () => {
    expect(der.onlyChild(der.readNode(der.explicit(0, der.integer(2)), 0, 'v'), 'v').tag).toBe(0x02);
    expect(() => der.onlyChild(der.readNode(der.seq(), 0, 'v'), 'v')).toThrow(/v holds 0 values, expected 1/);
  });
});

describe('ber to der', () => {
  it('turns indefinite lengths into definite ones and joins chunked octet strings', () => {
    // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" }, INTEGER 1 }
    const ber = buf('3080' + '2480' + '04026162' + '040163' + '0000' + '020101' + '0000');
    expect(der.berToDer(ber, 'p7').toString('hex')).toBe(
      der.seq(der.octetString(Buffer.from('abc')), der.integer(1)).toString('hex'),
    );
  });

  it('normalises non-minimal lengths and leaves DER unchanged', () => {
    expect(der.berToDer(buf('30810302010a'), 'x').toString('hex')).toBe('3003' + '02010a');
    const already = der.seq(der.oid(der.Oid.data), der.explicit(0, der.octetString(Buffer.alloc(300, 1))));
    expect(der.berToDer(already, 'x')).toEqual(already);
  });

  it('refuses a missing end-of-contents marker, an indefinite primitive, trailing data and deep nesting', () => {
    expect(() => der.berToDer(buf('3080020101'), 'p7')).toThrow(/p7 is missing an end-of-contents marker/);
    expect(() => der.berToDer(buf('04800000'), 'p7')).toThrow(/indefinite length on a primitive/);
    expect(() => der.berToDer(buf('300000'), 'p7')).toThrow(/p7 has trailing data/);
    expect(() => der.berToDer(Buffer.from('3080'.repeat(100) + '0000'.repeat(100), 'hex'), 'p7')).toThrow(
      /nested too deeply/,
    );
    expect(() => der.berToDer(buf('2480020101' + '0000'), 'p7')).toThrow(/chunk of another type/);
  });
});
