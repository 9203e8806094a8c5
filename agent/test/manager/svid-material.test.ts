import * as crypto from 'node:crypto';
import { TestCa } from '@lanyard/test-support';
import { createSvidMaterial, svidPrivateKey } from '../../src/manager/cache';
import { DerArena } from '../../src/manager/cache/der-arena';
import { readLeafFacts } from '../../src/manager/cache/leaf-facts';
import { renderX509SvidResponse } from '../../src/workload/x509-svid';
import { issueSvid, makeEntry, makeTrustDomain } from '../workload-fixtures';

const td = makeTrustDomain('example.org');

test('DerArena copies parts next to each other, shares slabs between stores and keeps nothing of the input', () => {
  const arena = new DerArena(1024);
  const a = Buffer.from('first part');
  const b = Buffer.from('second');
  const stored = arena.store([a, b]);
  expect(stored.all.toString()).toBe('first partsecond');
  expect(stored.parts.map((p) => p.toString())).toEqual(['first part', 'second']);
  a.fill(0);
  expect(stored.parts[0].toString()).toBe('first part');
  const next = arena.store([Buffer.from('third')]);
  expect(next.all.buffer).toBe(stored.all.buffer);
  expect(next.all.byteOffset).toBe(stored.all.byteOffset + stored.all.length);
  const big = arena.store([Buffer.alloc(600, 7)]);
  expect(big.all.buffer).not.toBe(stored.all.buffer); // over a quarter slab: a buffer of its own
  expect(big.all.buffer.byteLength).toBe(600);
  const fresh = arena.store([Buffer.alloc(250, 1), Buffer.alloc(250, 2)]);
  expect(fresh.all.buffer).not.toBe(stored.all.buffer); // did not fit: a new slab
  expect(fresh.parts[1].equals(Buffer.alloc(250, 2))).toBe(true);
});

test('readLeafFacts reads the validity and public key X509Certificate reads, and rejects non-certificates', () => {
  const svid = td.ca.issueX509Svid({ spiffeId: 'spiffe://example.org/facts', ttlSeconds: 900 });
  const leaf = svid.certificates[0];
  const facts = readLeafFacts(leaf.der);
  expect(facts.notBefore).toBe(Date.parse(leaf.x509.validFrom));
  expect(facts.notAfter).toBe(Date.parse(leaf.x509.validTo));
  expect(facts.subjectPublicKeyInfo.equals(leaf.x509.publicKey.export({ type: 'spki', format: 'der' }))).toBe(
    true,
  );
  expect(() => readLeafFacts(Buffer.from('junk'))).toThrow('svid leaf certificate does not parse');
  expect(() => readLeafFacts(leaf.der.subarray(0, 100))).toThrow('svid leaf certificate does not parse');
});

test('a cached SVID with an intermediate renders the same Workload API chain and a key that round-trips', () => {
  const intermediate = td.ca.createIntermediate();
  const entry = makeEntry('e1', 'spiffe://example.org/chain', ['t:1']);
  const issued = intermediate.issueX509Svid({ spiffeId: entry.spiffeId });
  expect(issued.certificates.length).toBe(2);
  const svid = issueSvid(intermediate, entry);
  const fromDer = createSvidMaterial({
    certChainDer: issued.certificates.map((c) => c.der),
    privateKey: issued.privateKeyDer,
    entryRevision: 1,
  });
  const fromKeyObject = createSvidMaterial({
    certChainDer: issued.certificates.map((c) => c.der),
    privateKey: issued.privateKey,
    publicKey: issued.certificates[0].publicKey,
    entryRevision: 1,
  });
  for (const material of [fromDer, fromKeyObject]) {
    expect(material.chainDer.equals(issued.chainDer)).toBe(true);
    expect(material.certChainDer.map((c) => c.toString('hex'))).toEqual(
      issued.certificates.map((c) => c.der.toString('hex')),
    );
    expect(material.privateKeyDer.equals(issued.privateKeyDer)).toBe(true);
    const key = svidPrivateKey(material);
    expect(key.export({ type: 'pkcs8', format: 'der' }).equals(issued.privateKeyDer)).toBe(true);
    expect(issued.certificates[0].x509.checkPrivateKey(key)).toBe(true);
  }
  const response = renderX509SvidResponse(
    { identities: [{ entry, svid }], entries: [entry], bundle: td.bundle, federatedBundles: new Map() },
    td.bundle,
  );
  const sent = response.svids![0];
  const chain = Buffer.from(sent.x509_svid as Buffer);
  expect(chain.equals(Buffer.concat(svid.certChainDer as Buffer[]))).toBe(true);
  const leaf = new crypto.X509Certificate(svid.certChainDer[0]);
  expect(leaf.subjectAltName).toBe(`URI:${entry.spiffeId}`);
  const sentKey = crypto.createPrivateKey({
    key: sent.x509_svid_key as Buffer,
    format: 'der',
    type: 'pkcs8',
  });
  expect(leaf.checkPrivateKey(sentKey)).toBe(true);
  expect(leaf.verify(new crypto.X509Certificate(svid.certChainDer[1]).publicKey)).toBe(true);
  expect(svid.certChainDer[1].equals(intermediate.certificate.der)).toBe(true);
});

test('createSvidMaterial rejects a key of another certificate given as PKCS#8 DER', () => {
  const a = td.ca.issueX509Svid({ spiffeId: 'spiffe://example.org/a' });
  const b = TestCa.create({ trustDomain: 'other.org' }).issueX509Svid({ spiffeId: 'spiffe://other.org/b' });
  expect(() =>
    createSvidMaterial({
      certChainDer: [a.certificates[0].der],
      privateKey: b.privateKeyDer,
      entryRevision: 1,
    }),
  ).toThrow('svid private key does not match the leaf certificate');
});
