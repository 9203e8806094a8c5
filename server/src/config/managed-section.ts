/**
 * Maps `server.managed_workloads {}` (Lanyard extension: agentless attestation of cloud workloads) to
 * {@link ManagedWorkloadsConfig}, with defaults and errors naming the key and its position.
 */
import { field, pathKey, type ConfigIssue, type Infer, type Position } from '@lanyard/common';
import {
  MANAGED_WORKLOADS_DEFAULTS as DEFAULTS,
  type ManagedAwsIamConfig,
  type ManagedAzureMiConfig,
  type ManagedGcpSaConfig,
  type ManagedWorkloadsConfig,
} from '../managed/config';

/** Schema of `server.managed_workloads {}`. */
export const managedWorkloadsSchema = field.object('managed_workloads', {
  address: field.string(),
  port: field.int({ min: 0, max: 65535 }),
  serving_cert_file: field.object('serving_cert_file', {
    cert_file_path: field.string(),
    key_file_path: field.string(),
    file_sync_interval: field.duration(),
  }),
  server_id: field.string(),
  max_proof_age: field.duration(),
  x509_svid_ttl: field.duration(),
  jwt_svid_ttl: field.duration(),
  max_connections: field.int({ min: 1 }),
  rate_limit: field.object('rate_limit', { requests_per_minute: field.int({ min: 1 }) }),
  aws_iam: field.object('aws_iam', { sts_endpoint: field.string(), sts_ca_file: field.string() }),
  gcp_sa: field.object('gcp_sa', { audience: field.string(), jwks_url: field.string() }),
  azure_mi: field.object('azure_mi', {
    app_id_uri: field.string(),
    app_id: field.string(),
    tenants: field.stringList(),
    authority_host: field.string(),
  }),
});

type ManagedBlock = Infer<typeof managedWorkloadsSchema>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_PROOF_AGE_LIMIT_MS = 3_600_000;

/** Collects problems at `server.managed_workloads.<segments…>` with their file positions. */
class ManagedIssues {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly positions: Map<string, Position>) {}

  add(segments: string[], message: string): void {
    const path = pathKey(['server', 'managed_workloads', ...segments]);
    this.issues.push({ path, position: this.positions.get(path), message });
  }
}

/**
 * A URL problem, or undefined: `https` (plain `http` only to a loopback host, for local fakes and proxies),
 * a host, no user info, query or fragment.
 */
export function managedUrlProblem(url: string, allowLoopbackHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid URL: "${url}"`;
  }
  const loopbackHttp =
    allowLoopbackHttp && parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopbackHttp) {
    return `must use https${allowLoopbackHttp ? ' (http only to a loopback host)' : ''}: "${url}"`;
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    return `must not carry user info, a query or a fragment: "${url}"`;
  }
  return undefined;
}

function awsIam(block: NonNullable<ManagedBlock['aws_iam']>, issues: ManagedIssues): ManagedAwsIamConfig {
  const stsEndpoint = (block.sts_endpoint ?? DEFAULTS.stsEndpoint).replace(/\/+$/, '');
  const problem = managedUrlProblem(stsEndpoint, false);
  if (problem) issues.add(['aws_iam', 'sts_endpoint'], problem);
  if (block.sts_ca_file === '') issues.add(['aws_iam', 'sts_ca_file'], 'must not be empty when set');
  return { stsEndpoint, stsCaFile: block.sts_ca_file || undefined };
}

function gcpSa(block: NonNullable<ManagedBlock['gcp_sa']>, issues: ManagedIssues): ManagedGcpSaConfig {
  if (!block.audience) issues.add(['gcp_sa', 'audience'], 'must be configured');
  const jwksUrl = block.jwks_url ?? DEFAULTS.gcpJwksUrl;
  const problem = managedUrlProblem(jwksUrl, true);
  if (problem) issues.add(['gcp_sa', 'jwks_url'], problem);
  return { audience: block.audience ?? '', jwksUrl };
}

function azureMi(block: NonNullable<ManagedBlock['azure_mi']>, issues: ManagedIssues): ManagedAzureMiConfig {
  if (!block.app_id_uri) issues.add(['azure_mi', 'app_id_uri'], 'must be configured');
  if (block.app_id !== undefined && !GUID.test(block.app_id)) {
    issues.add(['azure_mi', 'app_id'], `must be an application (client) ID (a GUID): "${block.app_id}"`);
  }
  const tenants = block.tenants ?? [];
  if (tenants.length === 0) issues.add(['azure_mi', 'tenants'], 'must list at least one tenant ID');
  for (const tenant of tenants) {
    if (!GUID.test(tenant)) issues.add(['azure_mi', 'tenants'], `"${tenant}" is not a tenant ID (a GUID)`);
  }
  const authorityHost = (block.authority_host ?? DEFAULTS.azureAuthorityHost).replace(/\/+$/, '');
  const problem = managedUrlProblem(authorityHost, true);
  if (problem) issues.add(['azure_mi', 'authority_host'], problem);
  return {
    appIdUri: block.app_id_uri ?? '',
    appId: block.app_id?.toLowerCase(),
    tenants: tenants.map((t) => t.toLowerCase()),
    authorityHost,
  };
}

function servingFiles(
  block: ManagedBlock,
  issues: ManagedIssues,
): Pick<ManagedWorkloadsConfig, 'servingCertFile' | 'servingKeyFile' | 'fileSyncIntervalMs'> {
  const file = block.serving_cert_file;
  if (file === undefined)
    issues.add([], 'serving_cert_file { cert_file_path, key_file_path } must be configured');
  for (const key of ['cert_file_path', 'key_file_path'] as const) {
    if (file !== undefined && !file[key]) issues.add(['serving_cert_file', key], 'must be configured');
  }
  const interval = file?.file_sync_interval ?? DEFAULTS.fileSyncIntervalMs;
  if (interval <= 0) issues.add(['serving_cert_file', 'file_sync_interval'], 'must be a positive duration');
  return {
    servingCertFile: file?.cert_file_path ?? '',
    servingKeyFile: file?.key_file_path ?? '',
    fileSyncIntervalMs: interval,
  };
}

/**
 * Builds the managed-workloads config (undefined when the block is absent: the listener is off). Problems are
 * returned as issues for the caller to throw with the rest.
 */
export function mapManagedWorkloads(
  block: ManagedBlock | undefined,
  positions: Map<string, Position>,
): { managed?: ManagedWorkloadsConfig; issues: ConfigIssue[] } {
  if (block === undefined) return { issues: [] };
  const issues = new ManagedIssues(positions);
  const maxProofAgeMs = block.max_proof_age ?? DEFAULTS.maxProofAgeMs;
  if (maxProofAgeMs <= 0 || maxProofAgeMs > MAX_PROOF_AGE_LIMIT_MS) {
    issues.add(['max_proof_age'], 'must be a positive duration of at most 1h');
  }
  for (const key of ['x509_svid_ttl', 'jwt_svid_ttl'] as const) {
    if ((block[key] ?? 0) < 0) issues.add([key], 'must not be negative');
  }
  if (block.server_id === '') issues.add(['server_id'], 'must not be empty when set');
  const clouds = {
    awsIam: block.aws_iam && awsIam(block.aws_iam, issues),
    gcpSa: block.gcp_sa && gcpSa(block.gcp_sa, issues),
    azureMi: block.azure_mi && azureMi(block.azure_mi, issues),
  };
  if (!clouds.awsIam && !clouds.gcpSa && !clouds.azureMi) {
    issues.add([], 'at least one of aws_iam, gcp_sa or azure_mi must be configured');
  }
  const managed: ManagedWorkloadsConfig = {
    address: block.address || DEFAULTS.address,
    port: block.port ?? DEFAULTS.port,
    ...servingFiles(block, issues),
    serverId: block.server_id ?? '',
    maxProofAgeMs,
    x509SvidTtlSeconds: Math.floor((block.x509_svid_ttl ?? 0) / 1000),
    jwtSvidTtlSeconds: Math.floor((block.jwt_svid_ttl ?? 0) / 1000),
    requestsPerMinute: block.rate_limit?.requests_per_minute ?? DEFAULTS.requestsPerMinute,
    maxConnections: block.max_connections ?? DEFAULTS.maxConnections,
    ...clouds,
  };
  return { managed, issues: issues.issues };
}
