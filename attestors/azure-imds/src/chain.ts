import { X509Certificate } from 'node:crypto';
import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;
const MAX_CACHED_INTERMEDIATES = 16;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * Validates the attested-document signer the way SPIRE does: a DNS SAN equal to or under an allowed metadata domain,
 * and a chain to a trusted root, directly or through the intermediate named by the signer's AIA `caIssuers` URL
 * (fetched only from allowed hosts, cached by URL). Validity periods are checked at `now`.
 */
export class SignerChainValidator {
  private readonly intermediates = new Map<string, X509Certificate>();

  constructor(
    private readonly roots: X509Certificate[],
    private readonly allowedDomains: string[],
    private readonly issuerHosts: ReadonlySet<string>,
  ) {}

  /** @throws PermissionDeniedError naming what failed; UnavailableError when the intermediate cannot be fetched. */
  async validate(signer: X509Certificate, now: number): Promise<void> {
    this.checkDomain(signer);
    checkValidity(signer, now, 'signing certificate');
    if (this.issuedByRoot(signer, now)) return;
    const intermediate = await this.intermediateFor(signer);
    checkValidity(intermediate, now, 'intermediate certificate');
    if (!intermediate.ca || !signer.checkIssued(intermediate) || !signer.verify(intermediate.publicKey)) {
      throw denied('signing certificate was not issued by the intermediate certificate');
    }
    if (!this.issuedByRoot(intermediate, now))
      throw denied('unable to verify signing certificate against root CAs');
  }

  private checkDomain(cert: X509Certificate): void {
    const names = (cert.subjectAltName ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    const ok = names.some((name) => this.allowedDomains.some((d) => name === d || name.endsWith(`.${d}`)));
    if (!ok) {
      throw denied(
        `signing certificate does not have any valid domain in SAN (found SANs=[${names.join(' ')}], allowed domains=[${this.allowedDomains.join(' ')}])`,
      );
    }
  }

  private issuedByRoot(cert: X509Certificate, now: number): boolean {
    return this.roots.some(
      (root) => cert.checkIssued(root) && cert.verify(root.publicKey) && isValidAt(root, now),
    );
  }

  private async intermediateFor(signer: X509Certificate): Promise<X509Certificate> {
    const match = /CA Issuers - URI:(\S+)/.exec(signer.infoAccess ?? '');
    if (!match) throw denied('no CA Issuers URL found in the signing certificate');
    let url: URL;
    try {
      url = new URL(match[1]);
    } catch {
      throw denied(`CA Issuers URL "${match[1]}" of the signing certificate is not a valid URL`);
    }
    if (!this.issuerHosts.has(url.host)) {
      throw denied(`CA Issuers URL host "${url.host}" is not one of [${[...this.issuerHosts].join(' ')}]`);
    }
    const cached = this.intermediates.get(url.href);
    if (cached) return cached;
    const cert = await fetchCertificate(url.href);
    if (this.intermediates.size >= MAX_CACHED_INTERMEDIATES) this.intermediates.clear();
    this.intermediates.set(url.href, cert);
    return cert;
  }
}

async function fetchCertificate(url: string): Promise<X509Certificate> {
  let body: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    throw new UnavailableError(
      `${P}: failed to fetch intermediate certificate from ${url}: ${(error as Error).message}`,
      'ERR_AZURE_IMDS_CHAIN',
    );
  }
  try {
    const cert = new X509Certificate(body);
    // Node parses the SubjectPublicKeyInfo only when the key is first read: a certificate that parsed can still
    // carry a key that does not, which would otherwise throw later, while the signer is checked against it.
    if (cert.publicKey.asymmetricKeyType === undefined) throw new Error('public key of unknown type');
    return cert;
  } catch {
    throw denied(`intermediate certificate at ${url} does not parse`);
  }
}

function isValidAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

function checkValidity(cert: X509Certificate, now: number, what: string): void {
  if (!isValidAt(cert, now))
    throw denied(`${what} is not valid at this time (valid ${cert.validFrom} – ${cert.validTo})`);
}

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `${P}: failed to validate attested document: ${reason}`,
    'ERR_AZURE_IMDS_CHAIN',
  );
}
