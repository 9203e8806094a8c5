import { statSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError } from '@lanyard/base';
import { DiskKeyManager, MemoryKeyManager } from '../../src/ca';
import { cleanupDirs, tempDir } from './helpers';

afterAll(cleanupDirs);

const pkcs8 = (key: { export: (o: { type: 'pkcs8'; format: 'der' }) => Buffer }): string =>
  key.export({ type: 'pkcs8', format: 'der' }).toString('base64');

describe('KeyManager "disk"', () => {
  it('persists keys as PKCS#8 PEM in a 0600 JSON file and reloads the same keys', async () => {
    const keysPath = path.join(tempDir(), 'nested', 'keys.json');
    const first = await DiskKeyManager.open(keysPath);
    const ec = await first.generateKey('x509-CA-A', 'ec-p384');
    const rsa = await first.generateKey('JWT-Signer-A', 'rsa-2048');
    expect(statSync(keysPath).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(keysPath)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(keysPath, 'utf8'));
    expect(stored.keys['x509-CA-A'].type).toBe('ec-p384');
    expect(stored.keys['x509-CA-A'].pkcs8Pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const second = await DiskKeyManager.open(keysPath);
    expect(pkcs8((await second.getKey('x509-CA-A'))!)).toBe(pkcs8(ec));
    expect(pkcs8((await second.getKey('JWT-Signer-A'))!)).toBe(pkcs8(rsa));
    expect(await second.getKey('x509-CA-B')).toBeUndefined();
    expect(await second.getKey('toString')).toBeUndefined();
    expect(await second.getKey('x509-CA-A')).toBe(await second.getKey('x509-CA-A'));
  });

  it('replaces a key atomically when regenerated and keeps the others', async () => {
    const keysPath = path.join(tempDir(), 'keys.json');
    const km = await DiskKeyManager.open(keysPath);
    const a = await km.generateKey('A', 'ec-p256');
    const b1 = await km.generateKey('B', 'ec-p256');
    const b2 = await km.generateKey('B', 'ec-p256');
    const reopened = await DiskKeyManager.open(keysPath);
    expect(pkcs8((await reopened.getKey('A'))!)).toBe(pkcs8(a));
    expect(pkcs8((await reopened.getKey('B'))!)).toBe(pkcs8(b2));
    expect(pkcs8(b2)).not.toBe(pkcs8(b1));
  });

  it('refuses a corrupt keys file instead of overwriting it', async () => {
    const keysPath = path.join(tempDir(), 'keys.json');
    writeFileSync(keysPath, '{"keys": {"x": {"type": "dsa", "pkcs8Pem": "…"}}}');
    await expect(DiskKeyManager.open(keysPath)).rejects.toThrow(
      'keys file entry "x" type "dsa" is not one of',
    );
    writeFileSync(keysPath, 'garbage');
    await expect(DiskKeyManager.open(keysPath)).rejects.toThrow(FailedPreconditionError);
    expect(readFileSync(keysPath, 'utf8')).toBe('garbage');
  });
});

describe('KeyManager "memory"', () => {
  it('returns the generated key and nothing for unknown IDs', async () => {
    const km = new MemoryKeyManager();
    const key = await km.generateKey('x509-CA-A', 'ec-p256');
    expect(await km.getKey('x509-CA-A')).toBe(key);
    expect(await km.getKey('x509-CA-B')).toBeUndefined();
  });
});
