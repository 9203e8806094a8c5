import type { PluginLogger } from '@lanyard/attestor-core';
import type { LogLevelControl, TrailRecorder } from '@lanyard/common';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { ServerLimits } from '../limits';
import type { EntryCache } from '../authorized-entries/entry-cache';
import type { EntryWatchHub } from './entrywatch/watch-hub';
import type { ServerCaApi } from '../ca/types';
import type { NodeAttestorCatalog } from '../catalog/node-attestors';
import type { DataStore } from '../datastore/types';
import type { ServerSvidRotator } from '../endpoints/server-svid';
import type { RefreshStatus } from '../federation/refresh-status';
import type { RateLimits } from './rate-limit/limits';
import type { SigningLimiter } from './svid/signing-limiter';

/** Everything the API services need; built once by the server wiring. */
export interface ApiDeps {
  /** Our trust domain name, e.g. `example.org`. */
  trustDomain: string;
  datastore: DataStore;
  /** Our trust domain's stored bundle as GetBundle serves it: read at most 1 s ago, never older than our own writes. */
  ownBundle: () => Promise<SpiffeBundle | undefined>;
  cache: EntryCache;
  /** Open `lanyard.agent.v1.EntryWatch` streams; without it the service is not served (agents poll only). */
  entryWatch?: EntryWatchHub;
  ca: ServerCaApi;
  attestors: NodeAttestorCatalog;
  serverSvid: ServerSvidRotator;
  logger: PluginLogger;
  /** The live level of the process logger (Logger API); without it the Logger service is not served. */
  logLevel?: LogLevelControl;
  /** Milliseconds clock. */
  now: () => number;
  /** `server.ratelimit`: SPIRE's per-IP limits on attestation, signing, key publishing and PostStatus. */
  rateLimits?: RateLimits;
  /** Global bound on BatchNewX509SVID signing (`svid_signing_concurrency`, `svid_signing_queue`); defaults when unset. */
  signingLimiter?: SigningLimiter;
  /** Entries per SyncAuthorizedEntries and EntryWatch message; default 500 (SPIRE's page size). */
  syncPageSize?: number;
  /** Largest accepted batch in Batch* RPCs (oversized → InvalidArgument). */
  maxBatchSize: number;
  /** `disable_jwt_svids`: JWT-SVID RPCs answer Unimplemented. */
  disableJwtSvids?: boolean;
  /** `experimental.agent_spiffe_id_as_selector`: add node selector `spiffe_id:<agent id>` at attestation. */
  agentSpiffeIdAsSelector?: boolean;
  /** `lanyard_limits`: stream idle bound, attestation step time and payload size (and the listener bounds). */
  limits: ServerLimits;
  /** Server start time in ms (Debug GetInfo uptime). */
  startedAt: number;
  /**
   * Fetches a federated bundle now (TrustDomain RefreshBundle); absent when no bundle client runs.
   * Throws NotFoundError for a trust domain no relationship names, InternalError when the refresh failed.
   */
  refreshBundle?: (trustDomain: string) => Promise<unknown>;
  /** The bundle client's last refresh time and error for a trust domain (undefined when not managed). */
  federationStatus?: (trustDomain: string) => RefreshStatus | undefined;
  /** Called after relationships were created, updated or deleted through the API. */
  onRelationshipsChanged?: () => void;
  /** `audit_trail`: where identity events are recorded; none when absent. */
  trail?: TrailRecorder;
  /** `jwt_cloud_audiences`: JWT-SVIDs for any of these audiences always carry a `jti`. */
  jwtCloudAudiences?: ReadonlySet<string>;
  /** Called after the local trust bundle changed through the API (AppendBundle / PublishJWTAuthority). */
  onLocalBundleChanged?: () => void;
}
