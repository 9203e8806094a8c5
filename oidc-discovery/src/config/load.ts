/**
 * Reads the provider's config file (HCL or JSON, SPIRE's OIDC Discovery Provider keys), applies SPIRE's
 * defaults and reports every problem at once in one {@link ConfigError}.
 */
import {
  ConfigError,
  assertDecoded,
  decodeConfig,
  parseLogFormat,
  parseLogLevel,
  readConfigFile,
  type ConfigIssue,
  type Infer,
  type ParseConfigOptions,
  type ParsedConfig,
} from '@lanyard/common';
import { TrustDomain } from '@lanyard/spiffe';
import { oidcFileSchema } from './schema';
import type { KeySourceConfig, OidcConfig, ServingConfig } from './types';

type OidcFile = Infer<typeof oidcFileSchema>;

/** SPIRE's defaults. */
const DEFAULT_POLL_INTERVAL_MS = 10_000;
const DEFAULT_FILE_SYNC_INTERVAL_MS = 60_000;
const DEFAULT_SERVING_ADDR = ':443';
const DEFAULT_HEALTH_PORT = 8008;

/** Splits `host:port` (`:443` means every interface); undefined when it is not that shape. */
export function parseListenAddress(addr: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

function issue(message: string): ConfigIssue {
  return { path: '', message, standalone: true };
}

/** True when exactly one of `keys` is set; otherwise reports which are missing or clash. */
function exactlyOne(file: OidcFile, keys: readonly (keyof OidcFile)[], issues: ConfigIssue[]): boolean {
  const chosen = keys.filter((key) => file[key] !== undefined);
  if (chosen.length === 1) return true;
  const names = `${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]}`;
  issues.push(
    issue(
      chosen.length === 0
        ? `one of ${names} must be configured`
        : `only one of ${chosen.join(', ')} may be configured`,
    ),
  );
  return false;
}

function servingOf(file: OidcFile, issues: ConfigIssue[]): ServingConfig | undefined {
  if (file.acme !== undefined) {
    issues.push(
      issue('acme is not supported yet: use serving_cert_file, listen_socket_path or insecure_addr'),
    );
    return undefined;
  }
  if (!exactlyOne(file, ['serving_cert_file', 'listen_socket_path', 'insecure_addr'], issues))
    return undefined;
  if (file.serving_cert_file) {
    const block = file.serving_cert_file;
    const addr = parseListenAddress(block.addr ?? DEFAULT_SERVING_ADDR);
    if (!addr) issues.push(issue(`serving_cert_file.addr "${block.addr}" is not a host:port address`));
    return {
      kind: 'serving_cert_file',
      certFile: block.cert_file_path ?? '',
      keyFile: block.key_file_path ?? '',
      fileSyncIntervalMs: block.file_sync_interval ?? DEFAULT_FILE_SYNC_INTERVAL_MS,
      host: addr?.host ?? '',
      port: addr?.port ?? 443,
    };
  }
  if (file.listen_socket_path !== undefined) {
    return { kind: 'listen_socket_path', socketPath: file.listen_socket_path };
  }
  const addr = parseListenAddress(file.insecure_addr ?? '');
  if (!addr) issues.push(issue(`insecure_addr "${file.insecure_addr}" is not a host:port address`));
  return { kind: 'insecure_addr', host: addr?.host ?? '', port: addr?.port ?? 0 };
}

function unixSocketPath(address: string, issues: ConfigIssue[]): string {
  const match = /^unix:(?:\/\/)?(\/.+)$/.exec(address);
  if (!match) {
    issues.push(issue(`server_api.address "${address}" must be a unix:///path address`));
    return '';
  }
  return match[1];
}

function sourceOf(file: OidcFile, issues: ConfigIssue[]): KeySourceConfig | undefined {
  if (!exactlyOne(file, ['server_api', 'workload_api', 'file'], issues)) return undefined;
  if (file.server_api) {
    const socketPath = unixSocketPath(file.server_api.address ?? '', issues);
    return {
      kind: 'server_api',
      socketPath,
      pollIntervalMs: file.server_api.poll_interval ?? DEFAULT_POLL_INTERVAL_MS,
    };
  }
  if (file.workload_api) {
    const trustDomain = file.workload_api.trust_domain ?? '';
    try {
      TrustDomain.parse(trustDomain);
    } catch (err) {
      issues.push(issue(`workload_api.trust_domain "${trustDomain}" is invalid: ${(err as Error).message}`));
    }
    return {
      kind: 'workload_api',
      socketPath: file.workload_api.socket_path ?? '',
      trustDomain: trustDomain.replace(/^spiffe:\/\//, ''),
      pollIntervalMs: file.workload_api.poll_interval ?? DEFAULT_POLL_INTERVAL_MS,
    };
  }
  return {
    kind: 'file',
    path: file.file?.path ?? '',
    pollIntervalMs: file.file?.poll_interval ?? DEFAULT_POLL_INTERVAL_MS,
  };
}

function domainsOf(file: OidcFile, issues: ConfigIssue[]): string[] {
  const domains = file.domains ?? [];
  if (domains.length === 0) issues.push(issue('at least one domain must be configured'));
  for (const d of domains) {
    if (!/^[A-Za-z0-9.-]+$/.test(d)) {
      issues.push(issue(`domain "${d}" must be an ASCII (punycode) host name without port`));
    }
  }
  return domains.map((d) => d.toLowerCase());
}

function urlKey(key: 'jwt_issuer' | 'jwks_uri', value: string | undefined, issues: ConfigIssue[]): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    issues.push(issue(`${key} "${value}" is not a URL`));
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    issues.push(issue(`${key} "${value}" must be an http(s) URL`));
  if (url.search || url.hash) issues.push(issue(`${key} "${value}" must not have a query or fragment`));
}

function prefixOf(value: string | undefined): string {
  const trimmed = (value ?? '/').replace(/^\/*/, '/').replace(/\/*$/, '/');
  return trimmed === '//' ? '/' : trimmed;
}

/** Maps a parsed config file to {@link OidcConfig}; throws {@link ConfigError} listing every problem. */
export function oidcConfigFromParsed(parsed: ParsedConfig): OidcConfig {
  const file = assertDecoded(decodeConfig(parsed, oidcFileSchema));
  const issues: ConfigIssue[] = [];
  const serving = servingOf(file, issues);
  const source = sourceOf(file, issues);
  const domains = domainsOf(file, issues);
  urlKey('jwt_issuer', file.jwt_issuer, issues);
  urlKey('jwks_uri', file.jwks_uri, issues);
  if (file.allow_insecure_scheme && serving && serving.kind === 'serving_cert_file') {
    issues.push(issue('allow_insecure_scheme only works with insecure_addr or listen_socket_path'));
  }
  let logLevel = 'info';
  let logFormat: 'text' | 'json' = 'text';
  try {
    logLevel = parseLogLevel(file.log_level ?? 'info');
  } catch (err) {
    issues.push(issue((err as Error).message));
  }
  try {
    logFormat = parseLogFormat(file.log_format || 'text');
  } catch (err) {
    issues.push(issue((err as Error).message));
  }
  if (issues.length > 0 || !serving || !source) throw new ConfigError(issues);
  return {
    logLevel,
    logFormat,
    logPath: file.log_path || undefined,
    logRequests: file.log_requests ?? false,
    domains,
    serving,
    allowInsecureScheme: file.allow_insecure_scheme ?? false,
    source,
    health: file.health_checks && {
      bindPort: file.health_checks.bind_port ?? DEFAULT_HEALTH_PORT,
      readyPath: file.health_checks.ready_path ?? '/ready',
      livePath: file.health_checks.live_path ?? '/live',
    },
    jwtIssuer: file.jwt_issuer,
    jwksUri: file.jwks_uri,
    setKeyUse: file.set_key_use ?? false,
    pathPrefix: prefixOf(file.server_path_prefix),
  };
}

/** Reads and maps the config file at `path`. */
export function loadOidcConfig(path: string, options: ParseConfigOptions = {}): OidcConfig {
  return oidcConfigFromParsed(readConfigFile(path, options));
}
