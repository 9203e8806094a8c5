/**
 * Checks a {@link ServerConfig} (after file parsing and after CLI flag overrides) the way SPIRE does at
 * start-up, and returns SPIRE's start-up warnings.
 */
import { ConfigError, pathKey, type ConfigIssue } from '@lanyard/common';
import { SpiffeId, TrustDomain } from '@lanyard/spiffe';
import { SERVER_KEY_TYPES } from './schema';
import { ttlWarnings } from './server-section';
import type { ServerConfig } from './types';

function issueAt(config: ServerConfig, path: string, message: string, standalone = false): ConfigIssue {
  return { path, position: config.source?.positions.get(path), message, standalone };
}

function checkServer(config: ServerConfig, issues: ConfigIssue[]): void {
  const s = config.server;
  if (!s.trustDomain) issues.push(issueAt(config, 'server', 'trust_domain must be configured', true));
  else {
    try {
      TrustDomain.parse(s.trustDomain);
    } catch (err) {
      const message = `could not parse trust_domain "${s.trustDomain}": ${(err as Error).message}`;
      issues.push(issueAt(config, 'server.trust_domain', message, true));
    }
  }
  if (!s.dataDir) issues.push(issueAt(config, 'server', 'data_dir must be configured', true));
  if (!s.bindAddress) issues.push(issueAt(config, 'server.bind_address', 'must not be empty'));
  if (!Number.isInteger(s.bindPort) || s.bindPort < 0 || s.bindPort > 65535) {
    issues.push(issueAt(config, 'server.bind_port', 'must be an integer between 0 and 65535'));
  }
  if (!s.socketPath) issues.push(issueAt(config, 'server.socket_path', 'must not be empty'));
  for (const [key, value] of [
    ['ca_key_type', s.caKeyType],
    ['jwt_key_type', s.jwtKeyType],
  ] as const) {
    if (!(SERVER_KEY_TYPES as readonly string[]).includes(value)) {
      const message = `error parsing ${key}: unsupported key type "${value}" (use ${SERVER_KEY_TYPES.join(', ')})`;
      issues.push(issueAt(config, `server.${key}`, message, true));
    }
  }
  for (const id of s.adminIds) {
    try {
      SpiffeId.parse(id);
    } catch (err) {
      issues.push(issueAt(config, 'server.admin_ids', `invalid admin ID "${id}": ${(err as Error).message}`));
    }
  }
}

function checkPlugins(config: ServerConfig, issues: ConfigIssue[]): void {
  const { dataStore, keyManager, upstreamAuthority } = config.plugins;
  if (!dataStore.connectionString) {
    issues.push(issueAt(config, 'plugins.DataStore', 'connection_string must be set'));
  }
  if (dataStore.tls !== undefined && dataStore.databaseType !== 'mysql') {
    issues.push(
      issueAt(
        config,
        'plugins.DataStore.sql.plugin_data',
        'root_ca_path, client_cert_path and client_key_path apply to database_type "mysql" only (for postgres put sslrootcert, sslcert and sslkey in connection_string)',
      ),
    );
  }
  if (dataStore.roConnectionString !== undefined && dataStore.databaseType === 'sqlite3') {
    issues.push(
      issueAt(
        config,
        'plugins.DataStore.sql.plugin_data.ro_connection_string',
        'is not applicable to sqlite3',
      ),
    );
  }
  if (keyManager.kind === 'disk' && !keyManager.keysPath) {
    issues.push(issueAt(config, 'plugins.KeyManager.disk', 'keys_path must be set'));
  }
  const disk = upstreamAuthority?.kind === 'disk' ? upstreamAuthority : undefined;
  if (disk && (!disk.certFilePath || !disk.keyFilePath)) {
    issues.push(
      issueAt(config, 'plugins.UpstreamAuthority.disk', 'cert_file_path and key_file_path must be set'),
    );
  }
  const names = new Set<string>();
  for (const attestor of config.plugins.nodeAttestors) {
    if (names.has(attestor.name))
      issues.push(
        issueAt(config, 'plugins.NodeAttestor', `NodeAttestor "${attestor.name}" is configured twice`),
      );
    names.add(attestor.name);
  }
}

function checkFederation(config: ServerConfig, issues: ConfigIssue[]): void {
  let own: string;
  try {
    own = TrustDomain.parse(config.server.trustDomain).name;
  } catch {
    return;
  }
  for (const rel of config.server.federation.federatesWith) {
    if (rel.trustDomain === own) {
      const path = pathKey(['server', 'federation', 'federates_with', rel.trustDomain]);
      issues.push(issueAt(config, path, `a relationship with our own trust domain "${own}" is not allowed`));
    }
  }
}

/** Warnings SPIRE logs at start-up for this config (not errors). */
export function serverConfigWarnings(config: ServerConfig): string[] {
  const warnings = ttlWarnings(config.server);
  const prometheus = config.telemetry.prometheus;
  if (prometheus && prometheus.host !== 'localhost' && prometheus.host !== '127.0.0.1') {
    warnings.push(
      `Prometheus is configured to accept remote network connections (host "${prometheus.host}"); make sure access to this port is tightly controlled`,
    );
  }
  return warnings;
}

/**
 * Validates a server config; throws a {@link ConfigError} listing every problem (with key positions when
 * the config came from a file). Returns the start-up warnings.
 */
export function validateServerConfig(config: ServerConfig): string[] {
  const issues: ConfigIssue[] = [];
  checkServer(config, issues);
  checkPlugins(config, issues);
  checkFederation(config, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return serverConfigWarnings(config);
}
