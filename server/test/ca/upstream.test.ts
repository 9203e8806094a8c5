import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TrustDomain, X509Bundle, verifyX509Svid } from '@lanyard/spiffe';
import { FailedPreconditionError } from '@lanyard/base';
import { MemoryKeyManager, ServerCa, type DiskUpstreamAuthorityConfig } from '../../src/ca';
import {
  cleanupDirs,
  ecKey,
  keyIdentifier,
  makeCsr,
  openssl,
  opensslVerify,
  tempDir,
  toPem,
} from './helpers';

afterAll(cleanupDirs);

const CA_EXT = [
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign,cRLSign',
];

/** Upstream PKI made with the openssl CLI: a root and an intermediate signed by it. */
function makeUpstream(days = 30): { dir: string; rootDer: Buffer; intermediateDer: Buffer } {
  const dir = tempDir();
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/O=Upstream/CN=Upstream Root',
      '-days',
      '90',
      ...CA_EXT,
      '-out',
      'root.crt',
    ],
    dir,
  );
  openssl(['genrsa', '-traditional', '-out', 'int.key', '2048'], dir);
  openssl(
    ['req', '-new', '-key', 'int.key', '-subj', '/O=Upstream/CN=Upstream Intermediate', '-out', 'int.csr'],
    dir,
  );
  writeFileSync(
    path.join(dir, 'ext.cnf'),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'int.csr',
      '-CA',
      'root.crt',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      'ext.cnf',
      '-out',
      'int.crt',
    ],
    dir,
  );
  const der = (file: string): Buffer => new X509Certificate(readFileSync(path.join(dir, file))).raw;
  return { dir, rootDer: der('root.crt'), intermediateDer: der('int.crt') };
}

function open(upstreamAuthority: DiskUpstreamAuthorityConfig, caTtlSeconds = 86_400): Promise<ServerCa> {
  return ServerCa.create({
    trustDomain: 'example.org',
    dataDir: tempDir(),
    keyManager: new MemoryKeyManager(),
    upstreamAuthority,
    caTtlSeconds,
  });
}

describe('UpstreamAuthority "disk"', () => {
  it('signs our CA under a self-signed upstream root (SEC1 EC key); the bundle holds the upstream root', async () => {
    const up = makeUpstream();
    const ca = await open({
      certFilePath: path.join(up.dir, 'root.crt'),
      keyFilePath: path.join(up.dir, 'root.key'),
    });
    expect(ca.bundleContents().x509Authorities.map((c) => c.raw)).toEqual([up.rootDer]);
    const svid = ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: ['spiffe://example.org/w'] }) });
    expect(svid.certChainDer).toHaveLength(2);
    const ours = new X509Certificate(svid.certChainDer[1]);
    expect(ours.ca).toBe(true);
    expect(ours.issuer).toBe('O=Upstream\nCN=Upstream Root');
    expect(keyIdentifier(svid.certChainDer[1], 'Authority')).toBe(keyIdentifier(up.rootDer, 'Subject'));
    expect(ca.getX509AuthorityState().active?.upstreamAuthoritySubjectKeyId).toBe(
      keyIdentifier(up.rootDer, 'Subject'),
    );
    expect(opensslVerify([up.rootDer], svid.certChainDer.slice(1), svid.certChainDer[0])).toMatch(/: OK/);
  });

  it('chains leaf → our CA → upstream intermediate (RSA PKCS#1 key) to the upstream root in bundle_file_path', async () => {
    const up = makeUpstream();
    writeFileSync(path.join(up.dir, 'chain.crt'), toPem(up.intermediateDer) + toPem(up.rootDer));
    const ca = await open({
      certFilePath: path.join(up.dir, 'chain.crt'),
      keyFilePath: path.join(up.dir, 'int.key'),
      bundleFilePath: path.join(up.dir, 'root.crt'),
    });
    const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey });
    expect(svid.certChainDer).toHaveLength(3);
    expect(svid.certChainDer[2]).toEqual(up.intermediateDer);
    expect(ca.bundleContents().x509Authorities.map((c) => c.raw)).toEqual([up.rootDer]);
    expect(opensslVerify([up.rootDer], svid.certChainDer.slice(1), svid.certChainDer[0])).toMatch(/: OK/);
    const bundle = new X509Bundle(TrustDomain.parse('example.org'), [new X509Certificate(up.rootDer)]);
    const verified = verifyX509Svid(
      svid.certChainDer.map((d) => new X509Certificate(d)),
      bundle,
    );
    expect(verified.verifiedChain).toHaveLength(4);
  });

  it('caps our CA at the upstream NotAfter', async () => {
    const up = makeUpstream(2);
    const ca = await open(
      {
        certFilePath: path.join(up.dir, 'int.crt'),
        keyFilePath: path.join(up.dir, 'int.key'),
        bundleFilePath: path.join(up.dir, 'root.crt'),
      },
      30 * 86_400,
    );
    const upstreamEnd = Date.parse(new X509Certificate(up.intermediateDer).validTo) / 1000;
    expect(ca.getX509AuthorityState().active?.expiresAt).toBe(upstreamEnd);
  });

  it('keeps the bundle on prepare and refuses local taint/revoke', async () => {
    const up = makeUpstream();
    const ca = await open({
      certFilePath: path.join(up.dir, 'root.crt'),
      keyFilePath: path.join(up.dir, 'root.key'),
    });
    const original = ca.getX509AuthorityState().active!.authorityId;
    const prepared = await ca.prepareX509Authority();
    await ca.activateX509Authority(prepared.authorityId);
    expect(ca.bundleContents().x509Authorities.map((c) => c.raw)).toEqual([up.rootDer]);
    await expect(ca.taintX509Authority(original)).rejects.toThrow(
      new FailedPreconditionError("local authority can't be tainted if there is an upstream authority"),
    );
    await expect(ca.revokeX509Authority(original)).rejects.toThrow(
      "local authority can't be revoked if there is an upstream authority",
    );
  });

  it('rejects a non-self-signed upstream without bundle and a mismatched key', async () => {
    const up = makeUpstream();
    await expect(
      open({ certFilePath: path.join(up.dir, 'int.crt'), keyFilePath: path.join(up.dir, 'int.key') }),
    ).rejects.toThrow(
      'upstream authority: bundle_file_path is required when the upstream certificate is not self-signed',
    );
    await expect(
      open({ certFilePath: path.join(up.dir, 'root.crt'), keyFilePath: path.join(up.dir, 'int.key') }),
    ).rejects.toThrow(
      'upstream authority: key_file_path key does not match the certificate in cert_file_path',
    );
    await expect(
      open({ certFilePath: path.join(up.dir, 'missing.crt'), keyFilePath: path.join(up.dir, 'int.key') }),
    ).rejects.toThrow(/cert_file_path ".*missing.crt" cannot be read: ENOENT/);
  });

  it('taints and revokes the upstream root that signed the old authority after an upstream change', async () => {
    const first = makeUpstream();
    const second = makeUpstream();
    const files = {
      certFilePath: path.join(tempDir(), 'up.crt'),
      keyFilePath: path.join(tempDir(), 'up.key'),
    };
    const install = (up: { dir: string }): void => {
      writeFileSync(files.certFilePath, readFileSync(path.join(up.dir, 'root.crt')));
      writeFileSync(files.keyFilePath, readFileSync(path.join(up.dir, 'root.key')));
    };
    install(first);
    const ca = await open(files);
    await expect(ca.taintX509UpstreamAuthority('')).rejects.toThrow(
      'provided subject key id is not valid: no subject key ID provided',
    );
    install(second);
    const prepared = await ca.prepareX509Authority();
    expect(ca.bundleContents().x509Authorities.map((c) => c.raw)).toEqual([first.rootDer, second.rootDer]);
    await ca.activateX509Authority(prepared.authorityId);
    const firstSki = keyIdentifier(first.rootDer, 'Subject');
    const secondSki = keyIdentifier(second.rootDer, 'Subject');
    expect(ca.getX509AuthorityState().old?.upstreamAuthoritySubjectKeyId).toBe(firstSki);
    await expect(ca.taintX509UpstreamAuthority(secondSki)).rejects.toThrow(
      'provided subject key id is not valid: unable to use upstream authority singing current authority',
    );
    await expect(ca.revokeX509UpstreamAuthority(firstSki)).rejects.toThrow(
      'it is not possible to revoke an untainted root CA',
    );
    expect(await ca.taintX509UpstreamAuthority(firstSki.toUpperCase())).toBe(firstSki);
    expect(ca.bundleContents().x509AuthorityMetadata.map((m) => m.tainted)).toEqual([true, false]);
    expect(await ca.revokeX509UpstreamAuthority(firstSki)).toBe(firstSki);
    expect(ca.bundleContents().x509Authorities.map((c) => c.raw)).toEqual([second.rootDer]);
  });

  it('refuses upstream taint without an upstream authority', async () => {
    const ca = await ServerCa.create({
      trustDomain: 'example.org',
      dataDir: tempDir(),
      keyManager: new MemoryKeyManager(),
    });
    await expect(ca.taintX509UpstreamAuthority('ab')).rejects.toThrow(
      new FailedPreconditionError('upstream authority is not configured'),
    );
  });
});
