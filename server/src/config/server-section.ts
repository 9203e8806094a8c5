/**
 * Maps the decoded `server {}` block to {@link ServerSection}, applying SPIRE's defaults. The `federation`
 * block is mapped separately (`federation-section.ts`), as it reports problems with positions.
 */
import { availableParallelism } from 'node:os';
import { mapAuditTrail, parseLogLevel, type ConfigIssue } from '@lanyard/common';
import { mapLimits } from './limits-section';
import type { ServerFile } from './schema';
import type { ServerKeyType, ServerSection } from './types';
import { DEFAULT_SIGNING_LIMITS } from '../api/svid/signing-limiter';

type ServerBlock = NonNullable<ServerFile['server']>;

/** SPIRE's defaults for `server {}`. */
export const SERVER_DEFAULTS = {
  bindAddress: '0.0.0.0',
  bindPort: 8081,
  socketPath: '/tmp/spire-server/private/api.sock',
  caKeyType: 'ec-p256',
  caTtlSeconds: 24 * 3600,
  defaultX509SvidTtlSeconds: 3600,
  defaultJwtSvidTtlSeconds: 300,
  caSubject: { country: ['US'], organization: ['SPIFFE'] },
  fullCacheReloadIntervalMs: 24 * 3600_000,
  pruneEventsOlderThanMs: 12 * 3600_000,
  eventTimeoutMs: 15 * 60_000,
  pruneAttestedNodesBatchSize: 1000,
  /** Cloud token-exchange audiences (AWS STS, Azure AD, GCP STS): their JWT-SVIDs carry a `jti`. */
  jwtCloudAudiences: ['sts.amazonaws.com', 'api://AzureADTokenExchange', 'https://sts.googleapis.com'],
} as const;

const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : Math.floor(ms / 1000);

/**
 * Builds the server section; key types are checked later by `validateServerConfig`. A bad `audit_trail`
 * block is reported in `issues`.
 */
export function mapServerSection(
  block: ServerBlock,
  warnings: string[],
  issues: ConfigIssue[] = [],
): ServerSection {
  const caKeyType = (block.ca_key_type ?? SERVER_DEFAULTS.caKeyType) as ServerKeyType;
  const defaultX509 = seconds(block.default_x509_svid_ttl) || SERVER_DEFAULTS.defaultX509SvidTtlSeconds;
  const experimental = block.experimental ?? {};
  if (Object.keys(experimental).length > 0) {
    warnings.push(
      'Experimental features have been enabled. Please see doc/upgrading.md for upgrade and compatibility considerations for experimental features.',
    );
  }
  return {
    bindAddress: block.bind_address ?? SERVER_DEFAULTS.bindAddress,
    bindPort: block.bind_port ?? SERVER_DEFAULTS.bindPort,
    socketPath: block.socket_path ?? SERVER_DEFAULTS.socketPath,
    trustDomain: block.trust_domain ?? '',
    dataDir: block.data_dir ?? '',
    logLevel: parseLogLevel(block.log_level ?? 'info'),
    logFormat: (block.log_format ?? 'text') as 'text' | 'json',
    logFile: block.log_file || undefined,
    logSourceLocation: block.log_source_location ?? false,
    caKeyType,
    jwtKeyType: (block.jwt_key_type ?? caKeyType) as ServerKeyType,
    caTtlSeconds: seconds(block.ca_ttl) || SERVER_DEFAULTS.caTtlSeconds,
    caSubject: mapCaSubject(block.ca_subject, warnings),
    defaultX509SvidTtlSeconds: defaultX509,
    defaultJwtSvidTtlSeconds: seconds(block.default_jwt_svid_ttl) || SERVER_DEFAULTS.defaultJwtSvidTtlSeconds,
    agentTtlSeconds: seconds(block.agent_ttl) || defaultX509,
    jwtIssuer: block.jwt_issuer || undefined,
    disableJwtSvids: block.disable_jwt_svids ?? false,
    pushEntryChanges: block.lanyard_push_entry_changes ?? true,
    adminIds: block.admin_ids ?? [],
    auditLogEnabled: block.audit_log_enabled ?? false,
    auditTrail: mapAuditTrail(block.audit_trail, 'server', issues),
    jwtCloudAudiences: block.jwt_cloud_audiences ?? [...SERVER_DEFAULTS.jwtCloudAudiences],
    ratelimit: {
      attestation: block.ratelimit?.attestation ?? true,
      signing: block.ratelimit?.signing ?? true,
    },
    limits: mapLimits(block.lanyard_limits, issues),
    signingLimits: {
      maxConcurrent: block.svid_signing_concurrency ?? DEFAULT_SIGNING_LIMITS.maxConcurrent,
      maxQueued: block.svid_signing_queue ?? DEFAULT_SIGNING_LIMITS.maxQueued,
    },
    signingWorkers: block.svid_signing_workers ?? availableParallelism(),
    federation: { federatesWith: [] },
    experimental: {
      cacheReloadIntervalMs: experimental.cache_reload_interval || undefined,
      fullCacheReloadIntervalMs:
        experimental.full_cache_reload_interval || SERVER_DEFAULTS.fullCacheReloadIntervalMs,
      pruneEventsOlderThanMs: experimental.prune_events_older_than || SERVER_DEFAULTS.pruneEventsOlderThanMs,
      eventTimeoutMs:
        experimental.event_timeout || experimental.sql_transaction_timeout || SERVER_DEFAULTS.eventTimeoutMs,
      agentSpiffeIdAsSelector: experimental.agent_spiffe_id_as_selector ?? false,
    },
    pruneAttestedNodesExpiredForSeconds: seconds(block.prune_attested_nodes_expired_for),
    pruneAttestedNodesBatchSize:
      block.prune_attested_nodes_batch_size ?? SERVER_DEFAULTS.pruneAttestedNodesBatchSize,
    pruneTofuNodes: block.prune_tofu_nodes ?? false,
    maxAttestedNodeInfoStalenessMs: block.max_attested_node_info_staleness ?? 0,
  };
}

function mapCaSubject(block: ServerBlock['ca_subject'], warnings: string[]): ServerSection['caSubject'] {
  if (block === undefined)
    return {
      country: [...SERVER_DEFAULTS.caSubject.country],
      organization: [...SERVER_DEFAULTS.caSubject.organization],
    };
  const empty = !block.country?.length && !block.organization?.length && !block.common_name;
  if (empty) {
    warnings.push('ca_subject configurable is set but empty; the default will be used');
    return mapCaSubject(undefined, warnings);
  }
  return {
    country: block.country ?? [],
    organization: block.organization ?? [],
    commonName: block.common_name || undefined,
  };
}

/** SPIRE's TTL sanity warnings: an SVID TTL above min(ca_ttl / 6, 7 days) will be cut short by CA rotation. */
export function ttlWarnings(server: ServerSection): string[] {
  const guaranteed = Math.min(server.caTtlSeconds / 6, 7 * 24 * 3600);
  const checks: [string, number][] = [
    ['default_x509_svid_ttl', server.defaultX509SvidTtlSeconds],
    ['default_jwt_svid_ttl', server.defaultJwtSvidTtlSeconds],
    ['agent_ttl', server.agentTtlSeconds],
  ];
  return checks
    .filter(([, ttl]) => ttl > guaranteed)
    .map(
      ([key, ttl]) =>
        `${key} is too high for the configured ca_ttl value. SVIDs with shorter lifetimes may be issued. Please set ${key} to ${Math.floor(guaranteed)}s or less, or the ca_ttl to ${ttl * 6}s or more, to guarantee the full ${key} lifetime when CA rotations are scheduled.`,
    );
}
