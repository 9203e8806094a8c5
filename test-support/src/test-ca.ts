import * as crypto from 'node:crypto';
import { buildCertificate, type ExtKeyUsageName, type KeyUsageName, type TestName } from './cert-builder';
import { generateTestKey, type TestKeyType } from './test-keys';
import { TestJwtKey, type TestJwk, type TestJwks } from './test-jwt-key';

/** One certificate with its key, in every form tests need. */
export interface IssuedCertificate {
  /** DER encoding. */
  readonly der: Buffer;
  /** PEM encoding (one `CERTIFICATE` block). */
  readonly pem: string;
  /** Parsed by `node:crypto`. */
  readonly x509: crypto.X509Certificate;
  /** Private key of the certified public key. */
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
}

/** An X.509-SVID as the Workload API delivers it, plus PEM forms for TLS tests. */
export interface TestX509Svid {
  /** SPIFFE ID in the leaf's URI SAN. */
  readonly spiffeId: string;
  /** Certificates, leaf first then intermediates up to (excluding) the root. */
  readonly certificates: IssuedCertificate[];
  /** DER chain concatenated (the Workload API's `x509_svid`). */
  readonly chainDer: Buffer;
  /** PEM chain, leaf first (for `tls.createSecureContext({ cert })`). */
  readonly chainPem: string;
  readonly privateKey: crypto.KeyObject;
  /** Unencrypted PKCS#8 DER (the Workload API's `x509_svid_key`). */
  readonly privateKeyDer: Buffer;
  readonly privateKeyPem: string;
  /** The issuing trust domain's root certificates (DER each). */
  readonly bundle: Buffer[];
}

/**
 * Options for {@link TestCa.issueCertificate}: a free-form certificate signed by this CA. Defaults give a valid
 * SPIFFE leaf shape (cA false, critical keyUsage digitalSignature|keyEncipherment|keyAgreement, EKU
 * serverAuth+clientAuth); override fields to make broken ones.
 */
export interface CertificateOptions {
  uris?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Subject name; default empty (the SAN extension is then critical). */
  subject?: TestName;
  /** `true` = CA, `false` = leaf basicConstraints, `null` = no basicConstraints extension. Default false. */
  isCa?: boolean | null;
  pathLen?: number;
  /** `null` omits keyUsage. */
  keyUsage?: KeyUsageName[] | null;
  keyUsageCritical?: boolean;
  /** `null` omits extendedKeyUsage. */
  extKeyUsage?: ExtKeyUsageName[] | null;
  /** Key type of the new key pair (default `ec-p256`); ignored when `keyPair` is given. */
  keyType?: TestKeyType;
  /** Certify an existing key pair instead of generating one. */
  keyPair?: { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject };
  /** Default: 10 s before now (SPIRE's clock-skew back-dating). */
  notBefore?: Date;
  /** Default: notBefore + ttlSeconds. May exceed the CA's own validity (tests that need it). */
  notAfter?: Date;
  /** Default 3600. */
  ttlSeconds?: number;
}

/** Options for {@link TestCa.issueX509Svid}. */
export interface X509SvidOptions {
  /** Any string; it is not validated, so malformed IDs can be issued for negative tests. */
  spiffeId: string;
  dnsNames?: string[];
  keyType?: TestKeyType;
  notBefore?: Date;
  notAfter?: Date;
  /** Default 3600. */
  ttlSeconds?: number;
}

/** Options for {@link TestCa.create} and {@link TestCa.createIntermediate}. */
export interface TestCaOptions {
  /** Trust domain name, e.g. `example.org` (no scheme). */
  trustDomain: string;
  /** Default `ec-p256`. */
  keyType?: TestKeyType;
  /** Validity of the CA certificate; default 24 h. */
  ttlSeconds?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Subject; default `O=Lanyard Test, CN=<trust domain> root|intermediate`. */
  subject?: TestName;
}

const SKEW_MS = 10_000;

function toIssued(
  der: Buffer,
  pair: { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject },
): IssuedCertificate {
  const x509 = new crypto.X509Certificate(der);
  return { der, pem: x509.toString(), x509, ...pair };
}

function windowOf(options: { notBefore?: Date; notAfter?: Date; ttlSeconds?: number }, ttl: number) {
  const notBefore = options.notBefore ?? new Date(Date.now() - SKEW_MS);
  const notAfter =
    options.notAfter ?? new Date(notBefore.getTime() + SKEW_MS + (options.ttlSeconds ?? ttl) * 1000);
  return { notBefore, notAfter };
}

/**
 * A certificate authority for tests: a self-signed root (or an intermediate under another `TestCa`) for one
 * trust domain, built with a small DER writer over `node:crypto`, so every call is synchronous and cheap.
 *
 * @example
 * ```ts
 * const ca = TestCa.create({ trustDomain: 'example.org' });
 * const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
 * const inter = ca.createIntermediate();               // chains: leaf -> intermediate -> root
 * const twoUris = ca.issueCertificate({ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] });
 * const key = ca.createJwtKey();                        // ES256, kid random
 * const token = key.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: 'db' });
 * ```
 */
export class TestCa {
  /** Trust domain name, e.g. `example.org`. */
  readonly trustDomain: string;
  /** This CA's own certificate and key. */
  readonly certificate: IssuedCertificate;
  /** Issuing CA, or undefined for a root. */
  readonly parent: TestCa | undefined;
  /** JWT signing keys created with {@link createJwtKey} (shared across a root and its intermediates). */
  readonly jwtKeys: TestJwtKey[];
  private readonly subject: TestName;

  private constructor(options: TestCaOptions, parent: TestCa | undefined) {
    this.trustDomain = options.trustDomain;
    this.parent = parent;
    this.jwtKeys = parent ? parent.jwtKeys : [];
    const role = parent ? 'intermediate' : 'root';
    this.subject = options.subject ?? {
      organization: 'Lanyard Test',
      commonName: `${options.trustDomain} ${role}`,
    };
    const pair = generateTestKey(options.keyType);
    const signer = parent ? parent.certificate : { ...pair };
    const der = buildCertificate({
      subject: this.subject,
      issuer: parent ? parent.subject : this.subject,
      publicKey: pair.publicKey,
      signingKey: signer.privateKey,
      issuerPublicKey: signer.publicKey,
      ...windowOf(options, 24 * 3600),
      isCa: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
      extKeyUsage: null,
      uris: [`spiffe://${options.trustDomain}`],
    });
    this.certificate = toIssued(der, pair);
  }

  /** Creates a self-signed root CA for a trust domain. */
  static create(options: TestCaOptions): TestCa {
    return new TestCa(options, undefined);
  }

  /** Creates an intermediate CA signed by this CA, in the same trust domain by default. */
  createIntermediate(options: Partial<TestCaOptions> = {}): TestCa {
    return new TestCa({ ...options, trustDomain: options.trustDomain ?? this.trustDomain }, this);
  }

  /** The root CA at the top of this CA's chain. */
  get root(): TestCa {
    return this.parent ? this.parent.root : this;
  }

  /** This CA's certificate followed by its ancestors', excluding the root (what a leaf's chain appends). */
  get intermediates(): IssuedCertificate[] {
    return this.parent ? [this.certificate, ...this.parent.intermediates] : [];
  }

  /** Root certificate(s) of the trust domain, DER each: the X.509 bundle. */
  bundle(): Buffer[] {
    return [this.root.certificate.der];
  }

  /** The X.509 bundle as concatenated DER (the Workload API's `bundle` field). */
  bundleDer(): Buffer {
    return Buffer.concat(this.bundle());
  }

  /** Issues any certificate signed by this CA (see {@link CertificateOptions}); fields are not validated. */
  issueCertificate(options: CertificateOptions = {}): IssuedCertificate {
    const pair = options.keyPair ?? generateTestKey(options.keyType);
    const der = buildCertificate({
      subject: options.subject ?? {},
      issuer: this.subject,
      publicKey: pair.publicKey,
      signingKey: this.certificate.privateKey,
      issuerPublicKey: this.certificate.publicKey,
      ...windowOf(options, 3600),
      isCa: options.isCa === undefined ? false : options.isCa,
      pathLen: options.pathLen,
      keyUsage:
        options.keyUsage === undefined
          ? ['digitalSignature', 'keyEncipherment', 'keyAgreement']
          : options.keyUsage,
      keyUsageCritical: options.keyUsageCritical,
      extKeyUsage: options.extKeyUsage === undefined ? ['serverAuth', 'clientAuth'] : options.extKeyUsage,
      uris: options.uris,
      dnsNames: options.dnsNames,
      ipAddresses: options.ipAddresses,
    });
    return toIssued(der, { privateKey: pair.privateKey, publicKey: pair.publicKey });
  }

  /** Issues a well-formed X.509-SVID leaf for `spiffeId`, chained through this CA's intermediates. */
  issueX509Svid(options: X509SvidOptions): TestX509Svid {
    const leaf = this.issueCertificate({ ...options, uris: [options.spiffeId] });
    return this.svidFromChain(options.spiffeId, [leaf, ...this.intermediates]);
  }

  /**
   * Packs a leaf certificate from {@link issueCertificate} (or any chain, leaf first) into the SVID shape,
   * e.g. to serve a deliberately broken SVID from the Workload API test server.
   */
  svidFromChain(spiffeId: string, certificates: IssuedCertificate[]): TestX509Svid {
    const leaf = certificates[0];
    return {
      spiffeId,
      certificates,
      chainDer: Buffer.concat(certificates.map((c) => c.der)),
      chainPem: certificates.map((c) => c.pem).join(''),
      privateKey: leaf.privateKey,
      privateKeyDer: leaf.privateKey.export({ type: 'pkcs8', format: 'der' }),
      privateKeyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      bundle: this.bundle(),
    };
  }

  /** Creates a JWT-SVID signing key for this trust domain and remembers it for {@link jwks}. */
  createJwtKey(options: { kid?: string; keyType?: TestKeyType } = {}): TestJwtKey {
    const key = new TestJwtKey(options.kid ?? crypto.randomBytes(12).toString('base64url'), options.keyType);
    this.jwtKeys.push(key);
    return key;
  }

  /**
   * The JWT bundle as a plain JWK Set (every key with `kid`), as SPIRE serves it in `FetchJWTBundles`.
   * Pass `use` (`jwt-svid`) to add the member SPIFFE bundle documents carry.
   */
  jwks(use?: string): TestJwks {
    return { keys: this.jwtKeys.map((key) => key.publicJwk(use)) };
  }

  /**
   * The trust domain's SPIFFE bundle document (RFC 7517 set plus `spiffe_sequence` / `spiffe_refresh_hint`):
   * one `x509-svid` JWK per root (no `kid`, one standard-base64 `x5c`), one `jwt-svid` JWK per JWT key.
   */
  spiffeBundle(options: { sequence?: number; refreshHintSeconds?: number } = {}): TestJwks {
    const x509Keys: TestJwk[] = [this.root.certificate].map((cert) => {
      const jwk = cert.publicKey.export({ format: 'jwk' }) as TestJwk;
      return { ...jwk, use: 'x509-svid', x5c: [cert.der.toString('base64')] };
    });
    return {
      keys: [...x509Keys, ...this.jwks('jwt-svid').keys],
      spiffe_sequence: options.sequence ?? 1,
      spiffe_refresh_hint: options.refreshHintSeconds ?? 300,
    };
  }
}
