import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { importSpki, spkiOf } from '../../src/ca/der/spki';

const der = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });

describe('fast SPKI conversions', () => {
  it.each([
    ['ec P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['ec P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['ec P-521', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
    ['rsa-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ed25519', () => generateKeyPairSync('ed25519')],
  ])('%s: spkiOf matches node export byte for byte, for public and private keys', (_name, make) => {
    const { publicKey, privateKey } = make();
    expect(spkiOf(publicKey)).toEqual(der(publicKey));
    expect(spkiOf(privateKey)).toEqual(der(publicKey));
    expect(der(importSpki(der(publicKey)))).toEqual(der(publicKey));
  });

  it('refuses an EC point that is not on the curve', () => {
    const spki = Buffer.from(der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey));
    spki[spki.length - 1] ^= 0x01;
    expect(() => importSpki(spki)).toThrow();
  });
});
