import type { PluginLogger, Selector } from '@lanyard/attestor-core';
import { formatSelector } from '@lanyard/attestor-core';
import { PermissionDeniedError } from '@lanyard/base';
import type { IdentityCache } from '../../manager/cache';
import type { CallerResolver } from '../../workload';

/** A call as the authorizer sees it: the peer token of its connection. */
export interface DelegateCall {
  getPeer(): string;
}

/**
 * Decides who may use the Delegated Identity API: the caller is attested like a Workload API caller, and at
 * least one entry matching its selectors must have a SPIFFE ID listed in `authorized_delegates` (SPIRE's rule).
 * Streams re-check the delegate's selectors on every update, so removing its entry ends them.
 */
export class DelegateAuthorizer {
  private readonly delegates: ReadonlySet<string>;

  constructor(
    private readonly cache: IdentityCache,
    authorizedDelegates: readonly string[],
    private readonly callers: CallerResolver,
    private readonly logger: PluginLogger,
  ) {
    this.delegates = new Set(authorizedDelegates);
  }

  /**
   * Attests the caller and checks it is an authorized delegate.
   * @returns the delegate's selectors (for {@link check} on later updates)
   * @throws UnavailableError when attestation fails; PermissionDeniedError when it is no authorized delegate.
   */
  async authorize(call: DelegateCall): Promise<readonly Selector[]> {
    const caller = await this.callers.attestPeer(call);
    this.check(caller.selectors);
    return caller.selectors;
  }

  /**
   * @throws PermissionDeniedError `no identity issued` when no entry matches the selectors, `caller not configured
   *   as an authorized delegate` when none of the matching entries is listed in `authorized_delegates`.
   */
  check(selectors: readonly Selector[]): void {
    const entries = this.cache.match(selectors).entries;
    if (entries.length === 0) {
      this.logger.error('No identity issued', {
        delegate_selectors: selectors.map(formatSelector).join(','),
      });
      throw new PermissionDeniedError('no identity issued', 'ERR_NO_IDENTITY');
    }
    if (entries.some((entry) => this.delegates.has(entry.spiffeId))) return;
    this.logger.error('Permission denied; caller not configured as an authorized delegate.', {
      num_registered_entries: entries.length,
      default_id: entries[0].spiffeId,
      delegate_selectors: selectors.map(formatSelector).join(','),
    });
    throw new PermissionDeniedError(
      'caller not configured as an authorized delegate',
      'ERR_NOT_AUTHORIZED_DELEGATE',
    );
  }
}
