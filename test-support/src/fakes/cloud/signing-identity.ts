import { KeyObject, createHash, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { encodePem } from '@lanyard/base';
import { buildCertificate } from '../../cert-builder';

const generateRsaKeyPair = promisify(generateKeyPair);

/** An RSA key with a certificate, as a cloud provider signs documents and tokens with. */
export interface SigningIdentity {
  /** Key ID (`kid`) derived from the certificate: hex SHA-1 of its DER. */
  readonly keyId: string;
  /** Subject (and, for certificates it issues, issuer) common name. */
  readonly commonName: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certPem: string;
  readonly certDer: Buffer;
}

/** Options for {@link createSigningIdentity}. */
export interface SigningIdentityOptions {
  /** Subject common name. */
  readonly commonName: string;
  /** RSA modulus length; default 2048. */
  readonly modulusLength?: number;
  /** Issuer; self-signed when absent. */
  readonly issuer?: SigningIdentity;
  /** Makes the certificate a CA (basicConstraints cA=true). */
  readonly isCa?: boolean;
  /** Validity start; default one hour ago. */
  readonly notBefore?: Date;
  /** Validity end; default one year from now. */
  readonly notAfter?: Date;
  /** DNS subject alternative names. */
  readonly dnsNames?: string[];
  /** Authority Information Access `caIssuers` URL (where the issuer certificate can be downloaded). */
  readonly caIssuersUrl?: string;
}

/** Generates an RSA key pair and a certificate for it (self-signed or issued by `options.issuer`). */
export async function createSigningIdentity(options: SigningIdentityOptions): Promise<SigningIdentity> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', {
    modulusLength: options.modulusLength ?? 2048,
  });
  const now = Date.now();
  const issuer = options.issuer;
  const certDer = buildCertificate({
    subject: { commonName: options.commonName },
    issuer: { commonName: issuer?.commonName ?? options.commonName },
    publicKey,
    signingKey: issuer?.privateKey ?? privateKey,
    issuerPublicKey: issuer?.publicKey ?? publicKey,
    // A positive 64-bit serial: the leading 01 keeps the DER INTEGER's sign bit clear.
    serialNumber: Buffer.concat([Buffer.from([1]), randomBytes(7)]),
    notBefore: options.notBefore ?? new Date(now - 3600_000),
    notAfter: options.notAfter ?? new Date(now + 365 * 86400_000),
    isCa: options.isCa ?? false,
    keyUsage: null,
    extKeyUsage: null,
    dnsNames: options.dnsNames,
    caIssuersUrl: options.caIssuersUrl,
  });
  return {
    keyId: createHash('sha1').update(certDer).digest('hex'),
    commonName: options.commonName,
    privateKey,
    publicKey,
    certPem: encodePem('CERTIFICATE', certDer),
    certDer,
  };
}

/** The public key as a JWK with `kid`, `alg: RS256` and `use: sig`, as Google and Azure publish them. */
export function publicJwk(identity: SigningIdentity): Record<string, string> {
  const jwk = identity.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid: identity.keyId, alg: 'RS256', use: 'sig' };
}

/** Signs `claims` as a compact RS256 JWT with `kid` in the header. */
export function signRs256Jwt(identity: SigningIdentity, claims: Record<string, unknown>): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: identity.keyId };
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), identity.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
