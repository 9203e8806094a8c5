import { spiffeIdError } from './errors';
import { SPIFFE_SCHEME_PREFIX, checkSpiffePath, parseSpiffeIdString } from './parse';
import { TrustDomain } from './trust-domain';

/** Longest SPIFFE ID (whole URI, in bytes) that may be registered or issued. */
export const MAX_SPIFFE_ID_LENGTH = 2048;

/**
 * A SPIFFE ID: an immutable value object made of a {@link TrustDomain} and a path (`''` or `/seg/...`).
 * Parsing is strict (SPIFFE.md §1): no normalisation, exact byte comparison.
 *
 * @example
 * ```ts
 * const id = SpiffeId.parse('spiffe://example.org/ns/prod/sa/web');
 * id.trustDomain.name; // 'example.org'
 * id.path;             // '/ns/prod/sa/web'
 * SpiffeId.fromSegments(id.trustDomain, 'ns', 'prod').toString(); // 'spiffe://example.org/ns/prod'
 * ```
 */
export class SpiffeId {
  /** The trust domain the ID belongs to. */
  readonly trustDomain: TrustDomain;
  /** The path: empty for a trust domain ID, else `/seg(/seg)*`. */
  readonly path: string;
  private readonly text: string;

  private constructor(trustDomain: TrustDomain, path: string) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.text = SPIFFE_SCHEME_PREFIX + trustDomain.name + path;
  }

  /**
   * Parses a SPIFFE ID string.
   * @throws SpiffeIdError naming the first broken rule (`empty`, `scheme`, `td-char`, `td-missing`,
   *   `empty-segment`, `dot-segment`, `path-char`, `trailing-slash`).
   */
  static parse(input: string): SpiffeId {
    const parsed = parseSpiffeIdString(input);
    return new SpiffeId(TrustDomain.fromValidatedName(parsed.trustDomainName), parsed.path);
  }

  /**
   * Builds an ID from a trust domain and a path that must be empty or start with `/`.
   * @throws SpiffeIdError for a path breaking the segment rules.
   */
  static fromPath(trustDomain: TrustDomain, path: string): SpiffeId {
    checkSpiffePath(path);
    return new SpiffeId(trustDomain, path);
  }

  /**
   * Builds an ID from a trust domain and path segments (without slashes): `fromSegments(td, 'ns', 'web')`.
   * @throws SpiffeIdError if a segment is empty, a dot segment or holds a bad character (including `/`).
   */
  static fromSegments(trustDomain: TrustDomain, ...segments: string[]): SpiffeId {
    for (const segment of segments) {
      if (segment.length === 0) throw spiffeIdError('empty-segment', 'spiffe id path segment', segment);
      if (segment.includes('/')) {
        throw spiffeIdError('path-char', 'spiffe id path segment', segment, segment.indexOf('/'));
      }
    }
    const path = segments.length === 0 ? '' : '/' + segments.join('/');
    return SpiffeId.fromPath(trustDomain, path);
  }

  /** The trust domain's own ID, `spiffe://<td>` with an empty path. */
  static forTrustDomain(trustDomain: TrustDomain): SpiffeId {
    return new SpiffeId(trustDomain, '');
  }

  /** The URI form, `spiffe://<td><path>`. */
  toString(): string {
    return this.text;
  }

  /** Same as {@link toString}, so IDs serialise as strings in JSON. */
  toJSON(): string {
    return this.text;
  }

  /** True if both IDs are byte-for-byte the same. */
  equals(other: SpiffeId): boolean {
    return this.text === other.text;
  }

  /** True if the ID belongs to `trustDomain`. */
  memberOf(trustDomain: TrustDomain): boolean {
    return this.trustDomain.name === trustDomain.name;
  }

  /** True if the ID has no path, i.e. names the trust domain itself (not usable as a workload ID). */
  isTrustDomainId(): boolean {
    return this.path.length === 0;
  }

  /**
   * Throws unless this ID may be registered or issued: the URI is at most 2048 bytes and the trust domain
   * passes {@link TrustDomain.assertConfigurable}.
   * @throws SpiffeIdError with rule `too-long` or `td-label`.
   */
  assertIssuable(): void {
    if (Buffer.byteLength(this.text) > MAX_SPIFFE_ID_LENGTH)
      throw spiffeIdError('too-long', 'spiffe id', this.text);
    this.trustDomain.assertConfigurable();
  }
}
