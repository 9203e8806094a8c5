/**
 * `rebootstrap_mode` / `rebootstrap_delay` at run time, as SPIRE: when the server's certificate no longer chains
 * to the agent's trust bundle (the server's CA was replaced), the agent waits `rebootstrap_delay` (a server that
 * is trusted again meanwhile resets the clock), then discards its stored SVID and bundle and shuts down, so that
 * its next start bootstraps from `trust_bundle_path` / `trust_bundle_url` and attests again.
 */
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { FailedPreconditionError, UnavailableError } from '@lanyard/base';
import { statusOf } from '@lanyard/base/grpc';
import { describeRpcError } from '../client/rpc';
import type { RebootstrapSettings } from '../config/rebootstrap';

/** OpenSSL's reasons for a peer certificate that does not chain to the trusted roots. */
const UNKNOWN_AUTHORITY =
  /unable to verify the first certificate|unable to get local issuer certificate|unable to get issuer certificate|self[- ]signed certificate in certificate chain|certificate signature failure/i;

/** True when `err` is a connection refused because the server's certificate has an unknown authority. */
export function isUnknownAuthorityError(err: unknown): boolean {
  return statusOf(err) === grpc.status.UNAVAILABLE && UNKNOWN_AUTHORITY.test(describeRpcError(err));
}

/** SPIRE's refusal when rebootstrapping is asked for but the agent's attestation cannot be repeated. */
export const REBOOTSTRAP_UNSUPPORTED =
  'you have requested rebootstrap support but the NodeAttestor plugin or the spire server configuration is not allowing it';

/** The error that ends the agent so that its next start bootstraps again. */
export class RebootstrapShutdownError extends UnavailableError {
  constructor() {
    super('shutting down for rebootstrapping', 'ERR_AGENT_REBOOTSTRAP');
  }
}

/** Tracks how long the server has been untrusted and decides when to re-bootstrap. */
export class RebootstrapPolicy {
  private mode: RebootstrapSettings['mode'];
  private untrustedSince: number | undefined;

  constructor(
    private readonly settings: RebootstrapSettings,
    private readonly logger: PluginLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = settings.mode;
  }

  /**
   * Checks that the agent's identity can be re-attested: `always` refuses to start otherwise, `auto` turns
   * rebootstrapping off with a warning (SPIRE's rules).
   * @throws FailedPreconditionError in `always` mode for a non-reattestable agent (e.g. join token).
   */
  checkReattestable(reattestable: boolean): void {
    if (this.mode === 'never' || reattestable) return;
    if (this.mode === 'always')
      throw new FailedPreconditionError(REBOOTSTRAP_UNSUPPORTED, 'ERR_AGENT_REBOOTSTRAP');
    this.logger.warn(`${REBOOTSTRAP_UNSUPPORTED}. Disabling`);
    this.mode = 'never';
  }

  /** A secure connection to the server worked: the delay clock starts over. */
  trusted(): void {
    this.untrustedSince = undefined;
  }

  /** True when `err` shows an untrusted server and it has been so for `rebootstrap_delay`. */
  shouldRebootstrap(err: unknown): boolean {
    if (this.mode === 'never' || !isUnknownAuthorityError(err)) return false;
    const now = this.now();
    this.untrustedSince ??= now;
    const left = this.settings.delayMs - (now - this.untrustedSince);
    if (left > 0) {
      this.logger.info("Trust Bundle and Server don't agree, ignoring for now", {
        time_left: `${Math.ceil(left / 1000)}s`,
      });
      return false;
    }
    this.logger.warn("Trust Bundle and Server don't agree, rebootstrapping");
    return true;
  }
}
