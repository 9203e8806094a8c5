/**
 * The LocalAuthority API operations (SPIRE-COMPAT §5.6, §8.2): prepare / activate / taint / revoke for the X.509
 * CA and the JWT key, and taint / revoke of upstream X.509 authorities. Validation follows SPIRE's order and
 * messages; every mutation is persisted and emitted by {@link CaAuthorities.mutate}.
 */
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import type { CaAuthorities } from './ca-authorities';
import type { AuthorityState, AuthorityStates } from './types';

type Kind = 'x509' | 'jwt';

/** LocalAuthority operations over the CA state. */
export class LocalAuthority {
  constructor(private readonly state: CaAuthorities) {}

  /** Generates and publishes the next authority of `kind`. */
  prepare(kind: Kind): Promise<AuthorityState> {
    return this.state.mutate(kind, 'bundle', async (now) => {
      await this.manager(kind).prepare(now);
      return this.slotState(kind, 'prepared');
    });
  }

  /** Activates the prepared authority `authorityId`. */
  activate(kind: Kind, authorityId: string): Promise<AuthorityState> {
    return this.state.mutate(kind, 'activated', () => {
      const manager = this.manager(kind);
      manager.logActivated(manager.slots.activate(authorityId).authority);
      return this.slotState(kind, 'active');
    });
  }

  /** Taints the old authority `authorityId` (X.509: refused with an upstream authority). */
  async taint(kind: Kind, authorityId: string): Promise<AuthorityState> {
    if (kind === 'x509') this.refuseWithUpstream('tainted');
    return this.state.mutate(kind, 'bundle', () => {
      const slots = this.manager(kind).slots;
      slots.markTainted(slots.requireOld(authorityId, 'taint').authority.authorityId);
      return this.slotState(kind, 'old');
    });
  }

  /** Revokes (removes from the bundle) a tainted authority: X.509 only the old one, JWT any non-current key. */
  async revoke(kind: Kind, authorityId: string): Promise<AuthorityState> {
    if (kind === 'x509') this.refuseWithUpstream('revoked');
    return this.state.mutate(kind, 'bundle', () => {
      const slots = this.manager(kind).slots;
      if (kind === 'x509') slots.requireOld(authorityId, 'revoke');
      else this.requireRevocableJwtKey(authorityId);
      const entry = slots.published.find((p) => p.id === authorityId);
      slots.removeTainted(authorityId);
      return {
        authorityId,
        expiresAt: entry ? Math.floor(entry.notAfter / 1000) : 0,
        upstreamAuthoritySubjectKeyId: '',
        tainted: true,
      };
    });
  }

  /** Taints the upstream root `subjectKeyId` that signed the old local authority; returns the normalised SKI. */
  async taintUpstream(subjectKeyId: string): Promise<string> {
    const ski = this.requireUpstreamSki(subjectKeyId, 'provided subject key id is not valid');
    return this.state.mutate('x509', 'bundle', () => {
      this.state.x509.slots.markTainted(ski);
      return ski;
    });
  }

  /** Revokes the tainted upstream root `subjectKeyId`; returns the normalised SKI. */
  async revokeUpstream(subjectKeyId: string): Promise<string> {
    const ski = this.requireUpstreamSki(subjectKeyId, 'invalid subject key ID');
    return this.state.mutate('x509', 'bundle', () => {
      this.state.x509.slots.removeTainted(ski);
      return ski;
    });
  }

  private requireUpstreamSki(subjectKeyId: string, prefix: string): string {
    if (!this.state.hasUpstream) {
      throw new FailedPreconditionError(
        'upstream authority is not configured',
        'ERR_UPSTREAM_NOT_CONFIGURED',
      );
    }
    const ski = (subjectKeyId ?? '').toLowerCase();
    const { current, next } = this.state.x509.slots;
    const invalid = (why: string): InvalidArgumentError =>
      new InvalidArgumentError(`${prefix}: ${why}`, 'ERR_UPSTREAM_SUBJECT_KEY_ID');
    if (!ski) throw invalid('no subject key ID provided');
    if (ski === current?.authority.upstreamAuthoritySubjectKeyId) {
      throw invalid('unable to use upstream authority singing current authority');
    }
    if (!next || ski !== next.authority.upstreamAuthoritySubjectKeyId) {
      throw invalid("upstream authority didn't sign the old local authority");
    }
    if (next.status === 'prepared')
      throw invalid('only upstream authorities signing an old authority can be used');
    return ski;
  }

  private requireRevocableJwtKey(authorityId: string): void {
    const { current, next, published } = this.state.jwt.slots;
    const invalid = (why: string): InvalidArgumentError =>
      new InvalidArgumentError(`invalid authority ID: ${why}`, 'ERR_AUTHORITY_ID');
    if (!authorityId) throw invalid('no authority ID provided');
    if (authorityId === next?.authority.authorityId) {
      if (next.status === 'prepared') throw invalid('unable to use a prepared key');
      return;
    }
    if (authorityId === current?.authority.authorityId) throw invalid('unable to use current authority');
    if (!published.some((p) => p.id === authorityId)) {
      throw invalid('no JWT authority found with provided authority ID');
    }
  }

  private refuseWithUpstream(verb: string): void {
    if (this.state.hasUpstream) {
      throw new FailedPreconditionError(
        `local authority can't be ${verb} if there is an upstream authority`,
        'ERR_UPSTREAM_CONFIGURED',
      );
    }
  }

  private manager(kind: Kind): CaAuthorities['x509'] | CaAuthorities['jwt'] {
    return kind === 'x509' ? this.state.x509 : this.state.jwt;
  }

  private slotState(kind: Kind, which: keyof AuthorityStates): AuthorityState {
    const state = this.state.states(kind)[which];
    if (!state)
      throw new FailedPreconditionError(`no ${which} ${kind === 'x509' ? 'X.509' : 'JWT'} authority`);
    return state;
  }
}
