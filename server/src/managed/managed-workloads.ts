/** Assembles the managed-workloads feature from its config and the server's parts. */
import type { PluginLogger } from '@lanyard/attestor-core';
import type { TrailRecorder } from '@lanyard/common';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { SigningLimiter } from '../api/svid/signing-limiter';
import type { EntryCache } from '../authorized-entries/entry-cache';
import type { ServerCaApi } from '../ca/types';
import { AwsIamVerifier } from './aws-iam';
import { AzureMiVerifier } from './azure-mi';
import type { ManagedWorkloadsConfig } from './config';
import { GcpSaVerifier } from './gcp-sa';
import type { ManagedCloud } from './identity';
import { ManagedIssuer } from './issuer';
import { ManagedWorkloadsListener } from './listener';
import { ManagedRateLimiter } from './rate-limiter';
import { ReplayCache } from './replay-cache';
import { ManagedRequests, type ProofVerifier } from './requests';

/** The server parts the feature uses. */
export interface ManagedWorkloadsDeps {
  readonly trustDomain: string;
  readonly cache: EntryCache;
  readonly ca: ServerCaApi;
  readonly signingLimiter: SigningLimiter;
  readonly currentBundle: () => Promise<SpiffeBundle>;
  readonly logger: PluginLogger;
  readonly trail?: TrailRecorder;
  readonly jwtCloudAudiences?: ReadonlySet<string>;
  readonly disableJwtSvids?: boolean;
  /** Wall clock (proof ages, token validity), ms. */
  readonly now: () => number;
  /** Monotonic clock of the rate limiter, ms. */
  readonly rateLimitClock: () => number;
}

/** Builds the listener (not started) for a `managed_workloads {}` block. */
export function createManagedWorkloads(
  config: ManagedWorkloadsConfig,
  deps: ManagedWorkloadsDeps,
): ManagedWorkloadsListener {
  const requests = new ManagedRequests({
    verifiers: verifiersFor(config, deps.trustDomain, deps.now),
    issuer: new ManagedIssuer({
      trustDomain: deps.trustDomain,
      cache: deps.cache,
      ca: deps.ca,
      signingLimiter: deps.signingLimiter,
      trail: deps.trail,
      x509SvidTtlSeconds: config.x509SvidTtlSeconds,
      jwtSvidTtlSeconds: config.jwtSvidTtlSeconds,
      jwtCloudAudiences: deps.jwtCloudAudiences,
    }),
    limiter: new ManagedRateLimiter(config.requestsPerMinute, deps.rateLimitClock),
    ca: deps.ca,
    trustDomain: deps.trustDomain,
    currentBundle: deps.currentBundle,
    trail: deps.trail,
    disableJwtSvids: deps.disableJwtSvids,
  });
  return new ManagedWorkloadsListener(config, requests, deps.logger);
}

function verifiersFor(
  config: ManagedWorkloadsConfig,
  trustDomain: string,
  now: () => number,
): Partial<Record<ManagedCloud, ProofVerifier>> {
  const { maxProofAgeMs } = config;
  return {
    aws_iam:
      config.awsIam &&
      new AwsIamVerifier({
        config: config.awsIam,
        serverId: config.serverId || trustDomain,
        maxProofAgeMs,
        replay: new ReplayCache(now),
        now,
      }),
    gcp_sa: config.gcpSa && new GcpSaVerifier({ config: config.gcpSa, maxProofAgeMs, now }),
    azure_mi: config.azureMi && new AzureMiVerifier({ config: config.azureMi, now }),
  };
}
