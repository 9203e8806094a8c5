/** Shared helpers for the CA tests: temp dirs, a manual clock, a PKCS#10 builder and `openssl verify`. */
import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryKeyManager, ServerCa, type KeyManager, type ServerCaOptions } from '../../src/ca';
import { encodeName } from '../../src/ca/der/name';
import { der } from '@lanyard/base';

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 1, 12, 0, 0)) {}
  /** Current time in ms. */
  now = (): number => this.ms;
  /** Moves forward by `seconds`. */
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const dirs: string[] = [];

/** A fresh temp dir, removed by {@link cleanupDirs}. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-ca-'));
  dirs.push(dir);
  return dir;
}

/** Removes every temp dir made so far. */
export function cleanupDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opens a CA in a temp dir with a memory KeyManager unless overridden. */
export async function openCa(overrides: Partial<ServerCaOptions> = {}): Promise<ServerCa> {
  const keyManager: KeyManager = overrides.keyManager ?? new MemoryKeyManager();
  return ServerCa.create({ trustDomain: 'example.org', dataDir: tempDir(), ...overrides, keyManager });
}

/** A P-256 key pair. */
export function ecKey(curve = 'prime256v1'): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

/** Options for {@link makeCsr}. */
export interface CsrOptions {
  uris?: string[];
  dns?: string[];
  subject?: Buffer;
  /** Flip a bit in the signature. */
  corruptSignature?: boolean;
  /** Sign with this key instead of the subject key. */
  signingKey?: KeyObject;
}

/** Builds a PKCS#10 CSR for `key` with our DER writer (SANs in an extensionRequest attribute). */
export function makeCsr(
  key: { publicKey: KeyObject; privateKey: KeyObject },
  options: CsrOptions = {},
): Buffer {
  const names = [
    ...(options.uris ?? []).map((u) => der.implicitPrimitive(6, der.ia5Bytes(u))),
    ...(options.dns ?? []).map((d) => der.implicitPrimitive(2, der.ia5Bytes(d))),
  ];
  const attributes =
    names.length > 0
      ? [
          der.seq(
            der.oid(der.Oid.extensionRequest),
            der.set(der.seq(der.seq(der.oid(der.Oid.subjectAltName), der.octetString(der.seq(...names))))),
          ),
        ]
      : [];
  const info = der.seq(
    der.integer(0),
    options.subject ?? encodeName({ organization: ['Ignored'] }),
    key.publicKey.export({ type: 'spki', format: 'der' }),
    der.tlv(0xa0, Buffer.concat(attributes)), // attributes [0] IMPLICIT SET OF Attribute
  );
  const signer = options.signingKey ?? key.privateKey;
  const isRsa = signer.asymmetricKeyType === 'rsa';
  const isEd = signer.asymmetricKeyType === 'ed25519';
  const algorithm = isEd
    ? der.seq(der.oid(der.Oid.ed25519))
    : isRsa
      ? der.seq(der.oid(der.Oid.sha256WithRsa), Buffer.from([5, 0]))
      : der.seq(der.oid(der.Oid.ecdsaWithSha256));
  const signature = sign(isEd ? null : 'sha256', info, signer);
  if (options.corruptSignature) signature[signature.length - 1] ^= 0x01;
  return der.seq(info, algorithm, der.bitString(signature));
}

/** PEM of a DER certificate. */
export function toPem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

/** Runs `openssl verify -CAfile roots -untrusted chain leaf`; returns its stdout or throws with stderr. */
export function opensslVerify(
  rootsDer: Buffer[],
  chainDer: Buffer[],
  leafDer: Buffer,
  atUnixSeconds?: number,
): string {
  const dir = tempDir();
  const roots = path.join(dir, 'roots.pem');
  const leaf = path.join(dir, 'leaf.pem');
  writeFileSync(roots, rootsDer.map(toPem).join(''));
  writeFileSync(leaf, toPem(leafDer));
  const args = ['verify', '-CAfile', roots];
  if (chainDer.length > 0) {
    const chain = path.join(dir, 'chain.pem');
    writeFileSync(chain, chainDer.map(toPem).join(''));
    args.push('-untrusted', chain);
  }
  if (atUnixSeconds !== undefined) args.push('-attime', String(atUnixSeconds));
  args.push(leaf);
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs openssl with `args`, returns stdout. */
export function openssl(args: string[], cwd?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl x509 -text` of a DER certificate. */
export function opensslText(der: Buffer): string {
  return execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], {
    input: der,
    encoding: 'utf8',
  });
}

/** Hex (lower-case, no colons) of the SKI or AKI key identifier as openssl prints it; '' when absent. */
export function keyIdentifier(der: Buffer, which: 'Subject' | 'Authority'): string {
  const match = new RegExp(`X509v3 ${which} Key Identifier: *\\n\\s*(?:keyid:)?([0-9A-F:]+)`).exec(
    opensslText(der),
  );
  return match ? match[1].replace(/:/g, '').toLowerCase() : '';
}
