/**
 * `UpstreamAuthority "disk"`: our CA certificate is signed by a CA key read from disk. Files are re-read on
 * every use; when a re-read fails the last good copy is used (SPIRE behaviour).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodePem, FailedPreconditionError, InvalidArgumentError, type PemBlock } from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';
import { parseCertificate } from './der/parse-certificate';
import { createCertSigner, subjectKeyId, type CertSigner } from './der/signer';
import { spkiOf } from './der/spki';
import type { DiskUpstreamAuthorityConfig } from './types';

/** What the CA needs from an upstream authority to sign its intermediate. */
export interface UpstreamMaterial {
  /** Signer over the upstream key. */
  signer: CertSigner;
  /** Upstream CA subject DER (our cert's issuer). */
  subjectDer: Buffer;
  /** Upstream SKI (our cert's AKI). */
  subjectKeyId: Buffer;
  /** Upstream NotAfter (ms): our CA never outlives it. */
  notAfter: number;
  /** Certificates from the cert file that are not roots (upstream CA first). */
  chainDer: Buffer[];
  /** Trust anchors for the bundle. */
  rootsDer: Buffer[];
}

/** Reads the upstream CA from disk. */
export class DiskUpstreamAuthority {
  private lastGood?: UpstreamMaterial;

  constructor(
    private readonly config: DiskUpstreamAuthorityConfig,
    private readonly logger: PluginLogger,
  ) {
    if (!config.certFilePath)
      throw new InvalidArgumentError('cert_file_path must be configured', 'ERR_UPSTREAM_CONFIG');
    if (!config.keyFilePath)
      throw new InvalidArgumentError('key_file_path must be configured', 'ERR_UPSTREAM_CONFIG');
  }

  /** Current upstream material; throws `FailedPreconditionError` only when no good copy was ever read. */
  load(): UpstreamMaterial {
    try {
      this.lastGood = readUpstream(this.config);
    } catch (err) {
      if (!this.lastGood) throw err;
      this.logger.warn('Unable to reload upstream authority files; using the last good copy', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
    return this.lastGood;
  }
}

/** Reads and validates the three files. */
export function readUpstream(config: DiskUpstreamAuthorityConfig): UpstreamMaterial {
  const certs = readPemCertificates(config.certFilePath, 'cert_file_path');
  const key = readKey(config.keyFilePath);
  const upstream = new X509Certificate(certs[0]);
  if (!spkiOf(key).equals(parseCertificate(certs[0], 'upstream certificate').spkiDer)) {
    throw upstreamError('key_file_path key does not match the certificate in cert_file_path');
  }
  if (!upstream.ca) throw upstreamError('cert_file_path certificate is not a CA');
  const rootsDer = config.bundleFilePath
    ? readPemCertificates(config.bundleFilePath, 'bundle_file_path')
    : [certs[0]];
  if (!config.bundleFilePath && !isSelfSigned(upstream)) {
    throw upstreamError('bundle_file_path is required when the upstream certificate is not self-signed');
  }
  const chainDer = certs.filter((c) => !rootsDer.some((r) => r.equals(c)));
  checkChain(chainDer, rootsDer, certs[0]);
  const parsed = parseCertificate(certs[0], 'upstream certificate');
  return {
    signer: createCertSigner(key),
    subjectDer: Buffer.from(parsed.subjectDer),
    subjectKeyId: Buffer.from(parsed.subjectKeyId ?? subjectKeyId(parsed.spkiDer)),
    notAfter: Date.parse(upstream.validTo),
    chainDer,
    rootsDer,
  };
}

function checkChain(chain: Buffer[], roots: Buffer[], upstreamDer: Buffer): void {
  const rootCerts = roots.map((r) => new X509Certificate(r));
  if (chain.length === 0) {
    if (!roots.some((r) => r.equals(upstreamDer)))
      throw upstreamError('cert_file_path certificate is not in the bundle');
    return;
  }
  const certs = chain.map((c) => new X509Certificate(c));
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!issuedBy(certs[i], certs[i + 1]))
      throw upstreamError(`cert_file_path certificate ${i} is not signed by certificate ${i + 1}`);
  }
  if (!rootCerts.some((root) => issuedBy(certs[certs.length - 1], root))) {
    throw upstreamError('cert_file_path chain does not lead to a certificate in bundle_file_path');
  }
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

function isSelfSigned(cert: X509Certificate): boolean {
  return issuedBy(cert, cert);
}

function readPemCertificates(file: string, field: string): Buffer[] {
  const text = readText(file, field);
  let blocks: PemBlock[];
  try {
    blocks = decodePem(text, 'CERTIFICATE');
  } catch (err) {
    throw upstreamError(`${field} "${file}" is not valid PEM: ${(err as Error).message}`);
  }
  if (blocks.length === 0) throw upstreamError(`${field} "${file}" holds no PEM certificate`);
  return blocks.map(({ der }, i) => {
    try {
      new X509Certificate(der);
    } catch {
      throw upstreamError(`${field} "${file}" certificate ${i} is not a valid certificate`);
    }
    return der;
  });
}

function readKey(file: string): ReturnType<typeof createPrivateKey> {
  const text = readText(file, 'key_file_path');
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw upstreamError(`key_file_path "${file}" is not a PEM private key`);
  }
}

function readText(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw upstreamError(
      `${field} "${file}" cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

function upstreamError(message: string): FailedPreconditionError {
  return new FailedPreconditionError(`upstream authority: ${message}`, 'ERR_UPSTREAM_AUTHORITY');
}
