/**
 * Test PKI for the spiffe package: the shared synchronous TestCa from @lanyard/test-support, plus builders for
 * the odd shapes it does not cover (CA chains with pathLen, arbitrary issuer/subject pairs) and `openssl verify`.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IssuedCertificate, TestName, buildCertificate, generateTestKey } from '@lanyard/test-support';

export { TestCa } from '@lanyard/test-support';

/** A fixed reference time for tests that inject a clock. */
export const HOUR = 3600_000;

/** Options of {@link issueCa}. */
export interface CaOptions {
  subject: TestName;
  /** The issuer, or undefined for self-signed. */
  issuer?: IssuedCertificate & { subject: TestName };
  trustDomain: string;
  pathLen?: number;
  isCa?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Certify this key pair instead of a fresh one (e.g. to build two certificates for one CA key). */
  keyPair?: crypto.KeyPairKeyObjectResult;
}

/** A CA certificate with its subject name, so it can issue further certificates through {@link issueUnder}. */
export type TestIssuer = IssuedCertificate & { subject: TestName };

function wrap(der: Buffer, pair: crypto.KeyPairKeyObjectResult, subject: TestName): TestIssuer {
  const x509 = new crypto.X509Certificate(der);
  return { der, pem: x509.toString(), x509, privateKey: pair.privateKey, publicKey: pair.publicKey, subject };
}

/** Builds a CA certificate (self-signed or under `issuer`) with full control of cA and pathLen. */
export function issueCa(options: CaOptions): TestIssuer {
  const pair = options.keyPair ?? generateTestKey('ec-p256');
  const signer = options.issuer ?? { ...pair, subject: options.subject };
  const der = buildCertificate({
    subject: options.subject,
    issuer: signer.subject,
    publicKey: pair.publicKey,
    signingKey: signer.privateKey,
    issuerPublicKey: signer.publicKey,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + 24 * HOUR),
    isCa: options.isCa ?? true,
    pathLen: options.pathLen,
    keyUsage: ['keyCertSign', 'cRLSign'],
    extKeyUsage: null,
    uris: [`spiffe://${options.trustDomain}`],
  });
  return wrap(der, pair, options.subject);
}

/** Issues a well-formed SVID leaf for `spiffeId` under `issuer`. */
export function issueLeafUnder(issuer: TestIssuer, spiffeId: string): IssuedCertificate {
  const pair = generateTestKey('ec-p256');
  const der = buildCertificate({
    subject: {},
    issuer: issuer.subject,
    publicKey: pair.publicKey,
    signingKey: issuer.privateKey,
    issuerPublicKey: issuer.publicKey,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + HOUR),
    isCa: false,
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    uris: [spiffeId],
  });
  return wrap(der, pair, {});
}

/**
 * Runs `openssl verify` on a leaf with untrusted intermediates and trusted roots (all PEM); returns whether it
 * verified and openssl's output.
 */
export function opensslVerify(
  rootsPem: string,
  intermediatesPem: string,
  leafPem: string,
): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiffe-openssl-'));
  try {
    const files = { roots: rootsPem, inter: intermediatesPem || rootsPem, leaf: leafPem };
    for (const [name, pem] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.pem`), pem);
    const args = ['verify', '-CAfile', 'roots.pem', '-untrusted', 'inter.pem', 'leaf.pem'];
    try {
      return {
        ok: true,
        output: execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' }),
      };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts `fn` throws an error of class `cls` with `code`, and returns it. */
export function thrown<T extends Error>(
  fn: () => unknown,
  cls: new (...args: never[]) => T,
  code?: string,
): T {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof cls)) throw new Error(`expected ${cls.name}, got ${String(err)}`);
    if (code !== undefined && (err as unknown as { code: string }).code !== code) {
      throw new Error(
        `expected code ${code}, got ${(err as unknown as { code: string }).code}: ${err.message}`,
      );
    }
    return err;
  }
  throw new Error(`expected ${cls.name} to be thrown`);
}
