import { X509Certificate } from 'node:crypto';
import type { SpiffeBundle } from '@lanyard/spiffe';

/**
 * X.509 authorities of the own trust domain that the server marked tainted (`localauthority x509 taint`): SVIDs
 * issued under them are replaced at the next sync instead of at half-life, as SPIRE agents do, so the authority
 * can be revoked without cutting workloads (or the agent itself) off. Answers are cached per chain object.
 */
export class TaintedAuthorities {
  /** No tainted authority. */
  static readonly NONE = new TaintedAuthorities([]);

  private readonly answers = new WeakMap<readonly Buffer[], boolean>();

  constructor(readonly authorities: readonly X509Certificate[]) {}

  /** The X.509 authorities of `bundle` whose metadata says tainted ({@link NONE} when there are none). */
  static of(bundle: SpiffeBundle): TaintedAuthorities {
    const tainted = bundle.x509Authorities.filter((_, i) => bundle.x509AuthorityMetadata[i]?.tainted);
    return tainted.length === 0 ? TaintedAuthorities.NONE : new TaintedAuthorities(tainted);
  }

  /** True when both hold the same certificates (by DER), in any order. */
  sameAs(other: TaintedAuthorities): boolean {
    return (
      this.authorities.length === other.authorities.length &&
      this.authorities.every((a) => other.authorities.some((b) => a.raw.equals(b.raw)))
    );
  }

  /**
   * True when the chain (leaf first, DER each) contains a tainted authority or its topmost certificate was
   * signed by one.
   */
  issued(chainDer: readonly Buffer[]): boolean {
    if (this.authorities.length === 0 || chainDer.length === 0) return false;
    let answer = this.answers.get(chainDer);
    if (answer === undefined) {
      answer = this.check(chainDer);
      this.answers.set(chainDer, answer);
    }
    return answer;
  }

  private check(chainDer: readonly Buffer[]): boolean {
    if (chainDer.some((der) => this.authorities.some((a) => a.raw.equals(der)))) return true;
    const top = new X509Certificate(chainDer[chainDer.length - 1]);
    return this.authorities.some((a) => top.checkIssued(a) && top.verify(a.publicKey));
  }
}
