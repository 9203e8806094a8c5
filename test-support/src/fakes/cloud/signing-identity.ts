import { KeyObject, createHash, randomBytes, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
};

/** An RSA key with a certificate, as a cloud provider signs documents and tokens with. */
export interface SigningIdentity {
  /** Key ID (`kid`) derived from the certificate: hex SHA-1 of its DER. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The same private key as a WebCrypto key (for pkijs). */
  readonly cryptoKey: CryptoKey;
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
  const keys = await webcrypto.subtle.generateKey(
    { ...RSA_ALGORITHM, modulusLength: options.modulusLength ?? 2048 },
    true,
    ['sign', 'verify'],
  );
  const now = Date.now();
  const common = {
    // A positive 64-bit serial: leading 01 keeps the DER INTEGER's sign bit clear.
    serialNumber: `01${randomBytes(7).toString('hex')}`,
    notBefore: options.notBefore ?? new Date(now - 3600_000),
    notAfter: options.notAfter ?? new Date(now + 365 * 86400_000),
    signingAlgorithm: RSA_ALGORITHM,
    extensions: extensions(options),
  };
  const cert = options.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: `CN=${options.commonName}`,
        issuer: new x509.X509Certificate(options.issuer.certDer).subject,
        publicKey: keys.publicKey,
        signingKey: options.issuer.cryptoKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        ...common,
        name: `CN=${options.commonName}`,
        keys,
      });
  const certDer = Buffer.from(cert.rawData);
  return {
    keyId: createHash('sha1').update(certDer).digest('hex'),
    privateKey: KeyObject.from(keys.privateKey),
    publicKey: KeyObject.from(keys.publicKey),
    cryptoKey: keys.privateKey,
    certPem: cert.toString('pem'),
    certDer,
  };
}

function extensions(options: SigningIdentityOptions): x509.Extension[] {
  const list: x509.Extension[] = [new x509.BasicConstraintsExtension(options.isCa ?? false, undefined, true)];
  if (options.dnsNames?.length) {
    list.push(
      new x509.SubjectAlternativeNameExtension(options.dnsNames.map((value) => ({ type: 'dns', value }))),
    );
  }
  if (options.caIssuersUrl) {
    list.push(
      new x509.AuthorityInfoAccessExtension({ caIssuers: new x509.GeneralName('url', options.caIssuersUrl) }),
    );
  }
  return list;
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
