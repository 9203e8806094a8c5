import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { parseAndVerifyCsr, type ServerCa } from '../../src/ca';
import { encodeName } from '../../src/ca/der/name';
import { cleanupDirs, ecKey, makeCsr, openCa, openssl, opensslVerify, tempDir } from './helpers';

afterAll(cleanupDirs);

const ID = 'spiffe://example.org/workload';

describe('CSR parsing', () => {
  it('extracts the key, URI SANs and DNS SANs of a valid EC CSR', () => {
    const key = ecKey();
    const parsed = parseAndVerifyCsr(makeCsr(key, { uris: [ID], dns: ['a.example.org'] }));
    expect(parsed.uriSans).toEqual([ID]);
    expect(parsed.dnsNames).toEqual(['a.example.org']);
    expect(parsed.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      key.publicKey.export({ type: 'spki', format: 'der' }),
    );
  });

  it('accepts RSA-2048, P-384 and Ed25519 CSRs', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(parseAndVerifyCsr(makeCsr(rsa, { uris: [ID] })).publicKey.asymmetricKeyType).toBe('rsa');
    expect(parseAndVerifyCsr(makeCsr(ecKey('secp384r1'), { uris: [ID] })).uriSans).toEqual([ID]);
    expect(parseAndVerifyCsr(makeCsr(generateKeyPairSync('ed25519'), {})).publicKey.asymmetricKeyType).toBe(
      'ed25519',
    );
  });

  it('reads a CSR made by openssl req', () => {
    const dir = tempDir();
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'k.pem'], dir);
    openssl(
      [
        'req',
        '-new',
        '-key',
        'k.pem',
        '-subj',
        '/CN=ignored',
        '-addext',
        `subjectAltName=URI:${ID},DNS:x.example.org`,
        '-outform',
        'DER',
        '-out',
        'c.der',
      ],
      dir,
    );
    const parsed = parseAndVerifyCsr(readFileSync(path.join(dir, 'c.der')));
    expect(parsed.uriSans).toEqual([ID]);
    expect(parsed.dnsNames).toEqual(['x.example.org']);
  });

  it('rejects a CSR whose signature does not verify', () => {
    expect(() => parseAndVerifyCsr(makeCsr(ecKey(), { uris: [ID], corruptSignature: true }))).toThrow(
      new InvalidArgumentError('invalid CSR signature'),
    );
    const other = ecKey();
    expect(() => parseAndVerifyCsr(makeCsr(ecKey(), { uris: [ID], signingKey: other.privateKey }))).toThrow(
      /invalid CSR signature/,
    );
  });

  it('rejects garbage, empty and truncated input as malformed with a typed error', () => {
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('not a csr'),
      makeCsr(ecKey(), { uris: [ID] }).subarray(0, 40),
    ]) {
      let caught: unknown;
      try {
        parseAndVerifyCsr(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as InvalidArgumentError).message).toMatch(/^malformed CSR: /);
    }
  });

  it('rejects RSA keys shorter than 2048 bits', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => parseAndVerifyCsr(makeCsr(weak, { uris: [ID] }))).toThrow(
      /csr public key type "rsa-1024" is not supported/,
    );
  });
});

describe('signX509SvidFromCsr', () => {
  let ca: ServerCa;
  beforeAll(async () => {
    ca = await openCa();
  });

  it('issues for the CSR key and SAN (mint flow) and ignores the CSR subject', () => {
    const key = ecKey();
    const svid = ca.signX509SvidFromCsr({
      csrDer: makeCsr(key, { uris: [ID], subject: encodeName({ commonName: 'evil' }) }),
    });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(leaf.subjectAltName).toBe(`URI:${ID}`);
    expect(leaf.subject).toBe('C=US\nO=SPIRE');
    expect(leaf.checkPrivateKey(key.privateKey)).toBe(true);
    expect(
      opensslVerify(
        ca.bundleContents().x509Authorities.map((c) => c.raw),
        [],
        svid.certChainDer[0],
      ),
    ).toMatch(/OK/);
  });

  it('copies the CSR subject when asked (MintX509SVID)', () => {
    const csrDer = makeCsr(ecKey(), {
      uris: [ID],
      subject: encodeName({ organization: ['Acme'], commonName: 'svc' }),
    });
    const svid = ca.signX509SvidFromCsr({ csrDer, useCsrSubject: true });
    expect(new X509Certificate(svid.certChainDer[0]).subject).toBe('O=Acme\nCN=svc');
  });

  it('accepts a CSR without URI SAN when the entry supplies the ID, with entry DNS names', () => {
    const svid = ca.signX509SvidFromCsr({
      csrDer: makeCsr(ecKey(), { dns: ['csr.example.org'] }),
      expectedSpiffeId: ID,
      dnsNames: [],
    });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(leaf.subjectAltName).toBe(`URI:${ID}`);
  });

  it('refuses a CSR whose SAN differs from the authorized ID with PermissionDenied', () => {
    const csrDer = makeCsr(ecKey(), { uris: ['spiffe://example.org/other'] });
    let caught: unknown;
    try {
      ca.signX509SvidFromCsr({ csrDer, expectedSpiffeId: ID });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PermissionDeniedError);
    expect((caught as Error).message).toBe(
      'CSR URI SAN "spiffe://example.org/other" does not match the authorized SPIFFE ID "spiffe://example.org/workload"',
    );
  });

  it('requires exactly one valid URI SAN in the mint flow', () => {
    expect(() => ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), {}) })).toThrow(
      new InvalidArgumentError('CSR URI SAN is required'),
    );
    expect(() => ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: [ID, `${ID}2`] }) })).toThrow(
      'only one URI SAN is expected',
    );
    expect(() =>
      ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: ['https://example.org/x'] }) }),
    ).toThrow(/^CSR URI SAN is invalid: /);
    expect(() =>
      ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: ['spiffe://evil.org/x'] }) }),
    ).toThrow(/not a member of trust domain/);
  });

  it('uses the CSR DNS SANs when none are given and validates them', () => {
    const svid = ca.signX509SvidFromCsr({
      csrDer: makeCsr(ecKey(), { uris: [ID], dns: ['db.example.org'] }),
    });
    expect(new X509Certificate(svid.certChainDer[0]).subjectAltName).toBe(`URI:${ID}, DNS:db.example.org`);
    expect(() =>
      ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: [ID], dns: ['bad..name'] }) }),
    ).toThrow(/dns name 0 "bad..name" is invalid/);
  });

  it('returns parsed CSR details through parseCsr', () => {
    const parsed = ca.parseCsr(makeCsr(ecKey(), { uris: [ID] }));
    expect(parsed.uriSans).toEqual([ID]);
  });
});
