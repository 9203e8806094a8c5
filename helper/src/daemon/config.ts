/**
 * Reads the daemon's config file (HCL or JSON with spiffe-helper's keys), applies spiffe-helper's defaults and
 * reports every problem at once in one {@link ConfigError} (unknown keys included).
 */
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  decodeConfig,
  readConfigFile,
  unknownIssue,
  type ConfigIssue,
  type Infer,
  type ParseConfigOptions,
  type ParsedConfig,
} from '@lanyard/common';
import { validateAssumeRoleParams } from '../aws/sts';
import { splitShellWords } from './shell-words';
import { helperFileSchema } from './schema';

type HelperFile = Infer<typeof helperFileSchema>;

/** One `jwt_svids` entry: a JWT-SVID for `audience` kept fresh in `file`. */
export interface JwtSvidFileConfig {
  readonly audience: string;
  readonly extraAudiences: readonly string[];
  readonly file: string;
}

/** The daemon's effective configuration. */
export interface HelperConfig {
  /** Workload API address (`unix:///…`); undefined means `SPIFFE_ENDPOINT_SOCKET`. */
  readonly agentAddress?: string;
  /** Program to start, with its arguments (split like a shell). */
  readonly cmd?: { readonly file: string; readonly args: readonly string[] };
  /** A file holding the PID of a process to signal (instead of, or besides, `cmd`). */
  readonly pidFile?: string;
  readonly certDir: string;
  readonly daemonMode: boolean;
  readonly exitWhenReady: boolean;
  readonly addIntermediatesToBundle: boolean;
  readonly renewSignal?: NodeJS.Signals;
  /** The three X.509 file paths (all or none). */
  readonly x509Files?: { readonly svid: string; readonly key: string; readonly bundle: string };
  readonly jwtSvids: readonly JwtSvidFileConfig[];
  readonly jwtBundleFile?: string;
  readonly includeFederatedDomains: boolean;
  readonly certFileMode: number;
  readonly keyFileMode: number;
  readonly jwtBundleFileMode: number;
  readonly jwtSvidFileMode: number;
  readonly hint?: string;
  readonly health?: { readonly bindPort: number; readonly livePath: string; readonly readyPath: string };
  /** Lanyard extension: the loopback container-credentials endpoint. */
  readonly awsContainer?: AwsContainerConfig;
}

/** `aws_container_credentials { … }`. */
export interface AwsContainerConfig {
  readonly roleArn: string;
  readonly audience?: string;
  readonly region?: string;
  readonly stsEndpoint?: string;
  readonly sessionName?: string;
  readonly durationSeconds?: number;
  readonly bindPort: number;
  readonly authorizationTokenFile: string;
}

/** spiffe-helper's defaults. */
const DEFAULT_CERT_FILE_MODE = 0o644;
const DEFAULT_KEY_FILE_MODE = 0o600;
const DEFAULT_JWT_FILE_MODE = 0o600;
const DEFAULT_HEALTH_PORT = 8081;
/** Lanyard's default loopback port of the container-credentials endpoint. */
const DEFAULT_AWS_CONTAINER_PORT = 8091;

function issue(message: string): ConfigIssue {
  return { path: '', message, standalone: true };
}

function x509FilesOf(file: HelperFile, certDir: string, issues: ConfigIssue[]): HelperConfig['x509Files'] {
  const names = [file.svid_file_name, file.svid_key_file_name, file.svid_bundle_file_name];
  const set = names.filter((n) => n !== undefined && n !== '').length;
  if (set === 0) return undefined;
  if (set !== 3) {
    issues.push(
      issue('svid_file_name, svid_key_file_name and svid_bundle_file_name must all be set, or none'),
    );
    return undefined;
  }
  const [svid, key, bundle] = names.map((n) => path.resolve(certDir, n ?? ''));
  return { svid, key, bundle };
}

function jwtSvidsOf(value: unknown, certDir: string, issues: ConfigIssue[]): JwtSvidFileConfig[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((entry: unknown, i) => {
    const where = `jwt_svids[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      issues.push(issue(`${where} must be an object { jwt_audience, jwt_svid_file_name }`));
      return [];
    }
    const record = entry as Record<string, unknown>;
    const unknown = Object.keys(record).filter(
      (k) => !['jwt_audience', 'jwt_extra_audiences', 'jwt_svid_file_name'].includes(k),
    );
    if (unknown.length > 0) issues.push(issue(`${where}: unknown keys ${unknown.join(', ')}`));
    const audience = record.jwt_audience;
    const file = record.jwt_svid_file_name;
    const extra = record.jwt_extra_audiences ?? [];
    if (typeof audience !== 'string' || audience === '')
      issues.push(issue(`${where}.jwt_audience is required`));
    if (typeof file !== 'string' || file === '')
      issues.push(issue(`${where}.jwt_svid_file_name is required`));
    if (!Array.isArray(extra) || extra.some((a) => typeof a !== 'string')) {
      issues.push(issue(`${where}.jwt_extra_audiences must be a list of strings`));
      return [];
    }
    if (typeof audience !== 'string' || typeof file !== 'string') return [];
    return [{ audience, extraAudiences: extra as string[], file: path.resolve(certDir, file) }];
  });
}

function signalOf(name: string | undefined, issues: ConfigIssue[]): NodeJS.Signals | undefined {
  if (!name) return undefined;
  const upper = name.toUpperCase();
  const full = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  if (!(full in osConstants.signals)) {
    issues.push(issue(`renew_signal "${name}" is not a signal name (e.g. SIGHUP, SIGUSR1)`));
    return undefined;
  }
  return full;
}

/** Maps a parsed config file to {@link HelperConfig}; throws {@link ConfigError} listing every problem. */
export function helperConfigFromParsed(parsed: ParsedConfig, baseDir = process.cwd()): HelperConfig {
  const decoded = decodeConfig(parsed, helperFileSchema);
  const file = decoded.value;
  const issues: ConfigIssue[] = [...decoded.issues, ...decoded.unknown.map(unknownIssue)];
  const certDir = path.resolve(baseDir, file.cert_dir ?? '');
  const x509Files = x509FilesOf(file, certDir, issues);
  const jwtSvids = jwtSvidsOf(file.jwt_svids, certDir, issues);
  const renewSignal = signalOf(file.renew_signal, issues);
  let cmd: HelperConfig['cmd'];
  if (file.cmd) {
    try {
      cmd = { file: file.cmd, args: splitShellWords(file.cmd_args ?? '') };
    } catch (err) {
      issues.push(issue(`cmd_args: ${(err as Error).message}`));
    }
  } else if (file.cmd_args) {
    issues.push(issue('cmd_args is set but cmd is not'));
  }
  const aws = file.aws_container_credentials;
  if (aws?.role_arn) {
    try {
      validateAssumeRoleParams({ roleArn: aws.role_arn, sessionName: aws.session_name });
    } catch (err) {
      issues.push(issue(`aws_container_credentials: ${(err as Error).message}`));
    }
  }
  if (!x509Files && jwtSvids.length === 0 && !file.jwt_bundle_file_name && !aws) {
    issues.push(issue('nothing to write: set the svid_*_file_name keys, jwt_svids or jwt_bundle_file_name'));
  }
  if (file.pid_file_name && !file.renew_signal) issues.push(issue('pid_file_name needs renew_signal'));
  if (issues.length > 0) throw new ConfigError(issues);
  const agentAddress = file.agent_address || undefined;
  return {
    agentAddress: agentAddress && agentAddress.startsWith('/') ? `unix://${agentAddress}` : agentAddress,
    cmd,
    pidFile: file.pid_file_name ? path.resolve(baseDir, file.pid_file_name) : undefined,
    certDir,
    daemonMode: file.daemon_mode ?? true,
    exitWhenReady: file.exit_when_ready ?? false,
    addIntermediatesToBundle: file.add_intermediates_to_bundle ?? false,
    renewSignal,
    x509Files,
    jwtSvids,
    jwtBundleFile: file.jwt_bundle_file_name ? path.resolve(certDir, file.jwt_bundle_file_name) : undefined,
    includeFederatedDomains: file.include_federated_domains ?? false,
    certFileMode: file.cert_file_mode ?? DEFAULT_CERT_FILE_MODE,
    keyFileMode: file.key_file_mode ?? DEFAULT_KEY_FILE_MODE,
    jwtBundleFileMode: file.jwt_bundle_file_mode ?? DEFAULT_JWT_FILE_MODE,
    jwtSvidFileMode: file.jwt_svid_file_mode ?? DEFAULT_JWT_FILE_MODE,
    hint: file.hint || undefined,
    health: file.health_checks?.listener_enabled
      ? {
          bindPort: file.health_checks.bind_port ?? DEFAULT_HEALTH_PORT,
          livePath: file.health_checks.liveness_path ?? '/live',
          readyPath: file.health_checks.readiness_path ?? '/ready',
        }
      : undefined,
    awsContainer: aws && {
      roleArn: aws.role_arn ?? '',
      audience: aws.audience,
      region: aws.region,
      stsEndpoint: aws.sts_endpoint,
      sessionName: aws.session_name,
      durationSeconds: aws.duration_seconds,
      bindPort: aws.bind_port ?? DEFAULT_AWS_CONTAINER_PORT,
      authorizationTokenFile: path.resolve(certDir, aws.authorization_token_file ?? ''),
    },
  };
}

/** Reads and maps the config file at `file` (relative paths in it resolve against the working directory). */
export function loadHelperConfig(file: string, options: ParseConfigOptions = {}): HelperConfig {
  return helperConfigFromParsed(readConfigFile(file, options));
}
