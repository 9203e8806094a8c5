import { spiffeIdError } from './errors';
import { SPIFFE_SCHEME_PREFIX, checkTrustDomainName, parseSpiffeIdString } from './parse';

/** Longest trust domain name that may be configured or issued (URI host limit). */
export const MAX_TRUST_DOMAIN_LENGTH = 255;

/**
 * A SPIFFE trust domain: an immutable value object holding a validated lowercase name.
 *
 * @example
 * ```ts
 * const td = TrustDomain.parse('example.org');
 * td.idString(); // 'spiffe://example.org'
 * TrustDomain.parse('spiffe://example.org/ns/web').equals(td); // true
 * ```
 */
export class TrustDomain {
  /** The trust domain name, e.g. `example.org`. */
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /**
   * Parses a bare name (`example.org`) or any string containing `:/`, which is parsed as a full SPIFFE ID
   * and reduced to its trust domain (`spiffe://example.org` and `spiffe://example.org/x` → `example.org`).
   * @throws SpiffeIdError naming the broken rule.
   */
  static parse(input: string): TrustDomain {
    if (input.includes(':/')) {
      return new TrustDomain(parseSpiffeIdString(input, 'trust domain').trustDomainName);
    }
    checkTrustDomainName(input);
    return new TrustDomain(input);
  }

  /** Builds a trust domain from a name already validated by the ID parser. Internal use. */
  static fromValidatedName(name: string): TrustDomain {
    return new TrustDomain(name);
  }

  /** The name, e.g. `example.org`. */
  toString(): string {
    return this.name;
  }

  /** The trust domain's SPIFFE ID string, `spiffe://<name>` (no trailing slash). */
  idString(): string {
    return SPIFFE_SCHEME_PREFIX + this.name;
  }

  /** True if `other` names the same trust domain (exact byte comparison). */
  equals(other: TrustDomain): boolean {
    return this.name === other.name;
  }

  /** Orders trust domains by name (code-unit order); returns a negative, zero or positive number. */
  compare(other: TrustDomain): number {
    if (this.name === other.name) return 0;
    return this.name < other.name ? -1 : 1;
  }

  /**
   * Throws unless this trust domain may be configured or issued for: at most 255 bytes and no empty DNS label
   * (leading/trailing dot or `..`), which Go's X.509 parser would refuse in a URI SAN (SPIFFE.md §1.2).
   * @throws SpiffeIdError with rule `too-long` or `td-label`.
   */
  assertConfigurable(): void {
    if (this.name.length > MAX_TRUST_DOMAIN_LENGTH)
      throw spiffeIdError('too-long', 'trust domain', this.name);
    if (this.name.startsWith('.') || this.name.endsWith('.') || this.name.includes('..')) {
      throw spiffeIdError('td-label', 'trust domain', this.name);
    }
  }
}
