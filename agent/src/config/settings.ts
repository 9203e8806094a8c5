/**
 * Maps the decoded `agent {}` block plus CLI flags to {@link AgentSettings}, with SPIRE's defaults and its
 * exact validation messages.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  GRPC_LISTENER_DEFAULTS,
  limitsOverDefaults,
  mapAuditTrail,
  mapListenerLimits,
  parseLogFormat,
  parseLogLevel,
  type ConfigIssue,
  type GrpcListenerLimits,
} from '@lanyard/common';
import { DEFAULT_SOCKET_PATH } from '../workload/socket';
import { DEFAULT_SDS_OPTIONS, type SdsOptions } from '../workload/sds/options';
import type { AgentFlagOverrides } from './flags';
import { rebootstrapOf } from './rebootstrap';
import type { AgentSection } from './schema';
import type { AgentSettings, TrustBootstrap, WorkloadKeyType } from './types';
import { serverTarget } from '../client/server-target';
import { SpiffeId } from '@lanyard/spiffe';

/** Default base sync period (SPIRE `sync_interval`). */
export const DEFAULT_SYNC_INTERVAL_MS = 5000;
const MIN_AVAILABILITY_TARGET_MS = 24 * 3600 * 1000;

/** `lanyard_limits {}` over the listener defaults; bad values are reported in `issues`. */
function listenerLimits(block: AgentSection['lanyard_limits'], issues: ConfigIssue[]): GrpcListenerLimits {
  return limitsOverDefaults(
    GRPC_LISTENER_DEFAULTS,
    mapListenerLimits(block ?? {}, 'agent.lanyard_limits', issues),
  );
}

/** The `sds {}` block with SPIRE's defaults for keys left out. */
function sdsOptions(sds: AgentSection['sds']): SdsOptions {
  const d = DEFAULT_SDS_OPTIONS;
  return {
    defaultSvidName: sds?.default_svid_name ?? d.defaultSvidName,
    defaultBundleName: sds?.default_bundle_name ?? d.defaultBundleName,
    defaultAllBundlesName: sds?.default_all_bundles_name ?? d.defaultAllBundlesName,
    disableSpiffeCertValidation: sds?.disable_spiffe_cert_validation ?? d.disableSpiffeCertValidation,
  };
}

function fail(issues: ConfigIssue[], message: string): void {
  issues.push({ path: '', message, standalone: true });
}

function bootstrapOf(
  section: AgentSection,
  flags: AgentFlagOverrides,
  issues: ConfigIssue[],
): TrustBootstrap {
  const bundlePath = flags.trustBundle ?? section.trust_bundle_path;
  const url = flags.trustBundleUrl ?? section.trust_bundle_url;
  const insecure = flags.insecureBootstrap || section.insecure_bootstrap === true;
  const format = (flags.trustBundleFormat ?? section.trust_bundle_format ?? 'pem').toLowerCase();
  if (format !== 'pem' && format !== 'spiffe') {
    fail(issues, `invalid value for trust_bundle_format: "${format}"; use "pem" or "spiffe"`);
  }
  const bundleFormat = format === 'spiffe' ? 'spiffe' : 'pem';
  if (bundlePath && url && insecure) {
    fail(
      issues,
      'only one of insecure_bootstrap, trust_bundle_url, or trust_bundle_path can be specified, not the three options',
    );
  } else if (bundlePath && url) {
    fail(issues, 'only one of trust_bundle_url or trust_bundle_path can be specified, not both');
  } else if (insecure && url) {
    fail(issues, 'only one of insecure_bootstrap or trust_bundle_url can be specified, not both');
  } else if (insecure && bundlePath) {
    fail(issues, 'only one of insecure_bootstrap or trust_bundle_path can be specified, not both');
  } else if (!bundlePath && !url && !insecure) {
    fail(
      issues,
      'trust_bundle_path, trust_bundle_url, or trust_bundle_spiffe_workload_api must be configured unless insecure_bootstrap is set',
    );
  }
  if (url) {
    const unixSocket = section.trust_bundle_unix_socket;
    const scheme = unixSocket ? 'http:' : 'https:';
    if (!/^[a-z]+:\/\//i.test(url) || new URL(url).protocol !== scheme) {
      fail(issues, `trust bundle URL "${url}" must use ${scheme.slice(0, -1)}`);
    }
    return { kind: 'url', url, format: bundleFormat, unixSocket };
  }
  if (bundlePath) return { kind: 'path', path: bundlePath, format: bundleFormat };
  return { kind: 'insecure' };
}

function joinTokenOf(
  section: AgentSection,
  flags: AgentFlagOverrides,
  issues: ConfigIssue[],
): string | undefined {
  const token = flags.joinToken ?? section.join_token;
  const file = flags.joinTokenFile ?? section.join_token_file;
  if (token && file) {
    fail(issues, 'only one of join_token or join_token_file can be specified, not both');
    return undefined;
  }
  if (!file) return token || undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    fail(issues, `unable to read join token file "${file}": ${(err as NodeJS.ErrnoException).code ?? err}`);
    return undefined;
  }
  if (text === '') fail(issues, 'join token file is empty');
  return text || undefined;
}

function cacheSize(value: number | undefined, key: string, issues: ConfigIssue[]): number {
  if (value !== undefined && value < 0) fail(issues, `${key} should not be negative`);
  return value ?? 1000;
}

function availabilityTarget(value: number | undefined, issues: ConfigIssue[]): number | undefined {
  if (value !== undefined && value < MIN_AVAILABILITY_TARGET_MS) {
    fail(issues, 'availability_target must be at least 24h0m0s');
  }
  return value;
}

function syncInterval(section: AgentSection, issues: ConfigIssue[]): number {
  const value = section.sync_interval ?? section.experimental?.sync_interval ?? DEFAULT_SYNC_INTERVAL_MS;
  if (value <= 0) fail(issues, 'sync_interval must be positive');
  return value;
}

/** `authorized_delegates`: each must be a SPIFFE ID (`spiffe://<td>/<path>`). */
function authorizedDelegates(values: readonly string[] | undefined, issues: ConfigIssue[]): string[] {
  for (const value of values ?? []) {
    try {
      SpiffeId.parse(value);
    } catch (err) {
      fail(issues, `authorized_delegates: "${value}" is not a valid SPIFFE ID: ${(err as Error).message}`);
    }
  }
  return [...(values ?? [])];
}

function required<T>(value: T | undefined | '', key: string, issues: ConfigIssue[]): T | undefined {
  if (value === undefined || value === '') fail(issues, `${key} must be configured`);
  return value === '' ? undefined : value;
}

/** Builds the effective settings; problems are appended to `issues` (SPIRE's wording). */
export function mapAgentSection(
  section: AgentSection,
  flags: AgentFlagOverrides,
  issues: ConfigIssue[],
): AgentSettings {
  const serverAddress = required(flags.serverAddress ?? section.server_address, 'server_address', issues);
  const serverPort = required(flags.serverPort ?? section.server_port, 'server_port', issues);
  if (serverAddress !== undefined && serverPort !== undefined) {
    try {
      serverTarget(serverAddress, serverPort);
    } catch (err) {
      fail(issues, (err as Error).message);
    }
  }
  const trustDomain = required(flags.trustDomain ?? section.trust_domain, 'trust_domain', issues);
  if (section.experimental?.named_pipe_name !== undefined) {
    fail(
      issues,
      'invalid configuration: named_pipe_name is not supported in this platform; please use socket_path instead',
    );
  }
  const trustBootstrap = bootstrapOf(section, flags, issues);
  return {
    dataDir: path.resolve(flags.dataDir ?? section.data_dir ?? '.'),
    logLevel: parseLogLevel(flags.logLevel ?? section.log_level ?? 'info'),
    logFormat: parseLogFormat(flags.logFormat ?? section.log_format ?? 'text'),
    logFile: flags.logFile ?? section.log_file,
    logSourceLocation: flags.logSourceLocation || section.log_source_location === true,
    serverAddress: serverAddress ?? '',
    serverPort: serverPort ?? 0,
    socketPath: path.resolve(flags.socketPath ?? section.socket_path ?? DEFAULT_SOCKET_PATH),
    adminSocketPath:
      section.admin_socket_path === undefined ? undefined : path.resolve(section.admin_socket_path),
    authorizedDelegates: authorizedDelegates(section.authorized_delegates, issues),
    trustDomain: trustDomain ?? '',
    trustBootstrap,
    rebootstrap: rebootstrapOf(section, flags, trustBootstrap.kind === 'insecure', issues),
    joinToken: joinTokenOf(section, flags, issues),
    x509SvidCacheMaxSize: cacheSize(section.x509_svid_cache_max_size, 'x509_svid_cache_max_size', issues),
    jwtSvidCacheMaxSize: cacheSize(section.jwt_svid_cache_max_size, 'jwt_svid_cache_max_size', issues),
    availabilityTargetMs: availabilityTarget(section.availability_target, issues),
    workloadKeyType: (section.workload_x509_svid_key_type ?? 'ec-p256') as WorkloadKeyType,
    allowUnauthenticatedVerifiers:
      flags.allowUnauthenticatedVerifiers || section.allow_unauthenticated_verifiers === true,
    allowedForeignJwtClaims: section.allowed_foreign_jwt_claims ?? [],
    disableWorkloadApi: flags.disableWorkloadApi || section.disable_workload_api === true,
    disableSdsApi: flags.disableSdsApi || section.disable_sds_api === true,
    sds: sdsOptions(section.sds),
    limits: listenerLimits(section.lanyard_limits, issues),
    syncIntervalMs: syncInterval(section, issues),
    pushEntryChanges: section.lanyard_push_entry_changes ?? true,
    auditTrail: mapAuditTrail(section.audit_trail, 'agent', issues),
  };
}
