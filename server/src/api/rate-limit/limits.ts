/**
 * SPIRE's server-side rate limits (`server.ratelimit`): per client IP, calls wait for their turn and are refused
 * with ResourceExhausted when the request alone exceeds the burst or the wait would outlast the caller's
 * deadline. Calls on the local admin socket are never limited.
 */
import { ResourceExhaustedError } from '@lanyard/base';
import { rpcMetricKey, type Metrics } from '@lanyard/common';
import { codeName } from '@lanyard/base/grpc';
import type { RpcContext } from '../boundary';
import { PerIpLimiter } from './per-ip-limiter';

/** SPIRE's per-IP limits, calls (or CSRs) per second; the burst is the same number. */
export const RATE_LIMITS_PER_IP = {
  attest: 1,
  sign: 500,
  pushKey: 500,
  postStatus: 10,
} as const;

/** `server.ratelimit {}`: which of the configurable limits are on (both by default). */
export interface RateLimitConfig {
  /** AttestAgent, 1 per second per IP. */
  attestation: boolean;
  /** X509 and JWT signing (BatchNewX509SVID, RenewAgent, NewDownstreamX509CA, NewJWTSVID), 500/s per IP. */
  signing: boolean;
}

interface MethodLimit {
  limiter: PerIpLimiter;
  /** SPIRE's error message for this RPC, before `: <reason>`. */
  message: string;
}

const rejecting = (what: string): string => `rejecting request due to ${what} rate limiting`;

/** Splits `ip:port`, `[v6]:port` or `ipv4:ip:port` (grpc-js peers) into the IP. */
export function peerIp(addr: string): string {
  const bare = addr.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(bare);
  if (bracketed) return bracketed[1] as string;
  const colon = bare.lastIndexOf(':');
  return colon > 0 && bare.indexOf(':') === colon ? bare.slice(0, colon) : bare;
}

/** The rate limiters of one server, keyed by RPC name, following SPIRE's method table. */
export class RateLimits {
  private readonly methods = new Map<string, MethodLimit>();

  constructor(
    config: RateLimitConfig,
    now: () => number = () => performance.now(),
    private readonly metrics?: Metrics,
  ) {
    const perIp = (limit: number): PerIpLimiter => new PerIpLimiter(limit, now);
    if (config.attestation) {
      this.methods.set('AttestAgent', {
        limiter: perIp(RATE_LIMITS_PER_IP.attest),
        message: rejecting('attest agent'),
      });
    }
    if (config.signing) {
      const csr = perIp(RATE_LIMITS_PER_IP.sign);
      this.methods.set('BatchNewX509SVID', { limiter: csr, message: rejecting('certificate signing') });
      this.methods.set('RenewAgent', { limiter: csr, message: rejecting('renew agent') });
      this.methods.set('NewDownstreamX509CA', {
        limiter: csr,
        message: 'rejecting request due to downstream CA signing rate limit',
      });
      const jsr = perIp(RATE_LIMITS_PER_IP.sign);
      this.methods.set('NewJWTSVID', { limiter: jsr, message: rejecting('JWT signing request') });
    }
    const pushKey = perIp(RATE_LIMITS_PER_IP.pushKey);
    this.methods.set('PublishJWTAuthority', { limiter: pushKey, message: rejecting('key publishing') });
    this.methods.set('PostStatus', {
      limiter: perIp(RATE_LIMITS_PER_IP.postStatus),
      message: rejecting('post status'),
    });
  }

  /**
   * Waits until `count` units of the calling RPC's limit are available for the caller's IP. Unlimited methods,
   * disabled limits and local callers return at once.
   * @throws ResourceExhaustedError with SPIRE's message, e.g. `rejecting request due to attest agent rate
   *   limiting: rate: Wait(n=1) would exceed context deadline`.
   */
  async wait(ctx: RpcContext, count: number): Promise<void> {
    const limit = this.methods.get(ctx.spec.method);
    if (limit === undefined || ctx.caller.local) return;
    const started = performance.now();
    let code = 0;
    try {
      const maxWaitMs = ctx.deadline === undefined ? undefined : ctx.deadline - Date.now();
      const waitMs = limit.limiter.bucketFor(peerIp(ctx.caller.addr)).reserve(count, maxWaitMs);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
    } catch (err) {
      code = (err as ResourceExhaustedError).grpcStatus;
      throw new ResourceExhaustedError(
        `${limit.message}: ${(err as Error).message}`,
        (err as ResourceExhaustedError).code,
      );
    } finally {
      const key = ['rate_limit', ...rpcMetricKey(ctx.spec.fullService, ctx.spec.method).slice(1)];
      this.metrics?.measureCall(key, codeName(code), performance.now() - started);
    }
  }
}
