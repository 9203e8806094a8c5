import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { InvalidArgumentError, decodePem, encodePem, encodePemBlocks, looksLikePem } from '@lanyard/base';

describe('pem codec', () => {
  it('encodes 64-column lines with a trailing newline that OpenSSL reads back', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    const pem = encodePem('PRIVATE KEY', pkcs8);
    expect(pem).toBe(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN PRIVATE KEY-----');
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true);
    expect(encodePem('X', Buffer.alloc(0))).toBe('-----BEGIN X-----\n-----END X-----\n');
    expect(encodePem('X', Buffer.alloc(48, 1)).split('\n')[1]).toHaveLength(64);
  });

  it('round-trips every block in order, with and without a label filter', () => {
    const a = Buffer.from('first');
    const b = Buffer.from('second block');
    const text = `comment\n${encodePem('CERTIFICATE', a)}between\r\n${encodePem('PRIVATE KEY', b)}${encodePemBlocks('CERTIFICATE', [b])}`;
    expect(decodePem(text)).toEqual([
      { label: 'CERTIFICATE', der: a },
      { label: 'PRIVATE KEY', der: b },
      { label: 'CERTIFICATE', der: b },
    ]);
    expect(decodePem(text, 'CERTIFICATE').map((blk) => blk.der)).toEqual([a, b]);
    expect(decodePem(text, 'EC PRIVATE KEY')).toEqual([]);
    expect(decodePem('no pem here')).toEqual([]);
  });

  it('accepts CRLF line endings and reads certificates X509Certificate accepts', () => {
    const pem = encodePem('CERTIFICATE', Buffer.from('hello')).replace(/\n/g, '\r\n');
    expect(decodePem(pem)[0].der.toString()).toBe('hello');
    expect(() => new X509Certificate(decodePem(pem)[0].der)).toThrow();
  });

  it('is strict about BEGIN/END label match, missing END lines and base64', () => {
    const mismatched = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n';
    expect(() => decodePem(mismatched)).toThrow(InvalidArgumentError);
    expect(() => decodePem(mismatched)).toThrow(
      /pem block "CERTIFICATE" ends with END "PRIVATE KEY" instead of END "CERTIFICATE"/,
    );
    expect(() => decodePem(mismatched, 'PRIVATE KEY')).toThrow(/ends with END/);
    expect(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n')).toThrow(/has no END line/);
    expect(() => decodePem('-----BEGIN X-----\nA*AA\n-----END X-----\n')).toThrow(
      /does not hold valid base64/,
    );
    expect(() => decodePem('-----BEGIN X-----\nAAA\n-----END X-----\n')).toThrow(
      /does not hold valid base64/,
    );
    expect(() => decodePem('-----BEGIN X-----\nAAAA\n-----END X-----\n')).not.toThrow();
  });

  it('refuses invalid labels when encoding', () => {
    expect(() => encodePem('BAD-----LABEL', Buffer.alloc(1))).toThrow(
      /pem label "BAD-----LABEL" is not valid/,
    );
    expect(() => encodePem('', Buffer.alloc(1))).toThrow(InvalidArgumentError);
  });

  it('tells PEM from DER', () => {
    expect(looksLikePem('  \n-----BEGIN CERTIFICATE-----')).toBe(true);
    expect(looksLikePem(Buffer.from('\t-----BEGIN X-----'))).toBe(true);
    expect(looksLikePem(Buffer.from([0x30, 0x03]))).toBe(false);
    expect(looksLikePem('-----END X-----')).toBe(false);
    expect(looksLikePem('')).toBe(false);
  });
});
