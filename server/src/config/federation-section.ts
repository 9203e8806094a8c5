/**
 * Maps the decoded `server.federation {}` block to {@link FederationConfig}, with SPIRE's defaults and
 * errors naming the key. The check that no relationship names our own trust domain lives in `validate.ts`
 * (the trust domain may still be overridden by a flag).
 */
import { pathKey, type ConfigIssue, type Position } from '@lanyard/common';
import { SpiffeId, TrustDomain } from '@lanyard/spiffe';
import type { ServerFile } from './schema';
import type {
  BundleEndpointConfig,
  BundleEndpointServingProfile,
  FederatesWithConfig,
  FederationConfig,
} from './types';

type FederationBlock = NonNullable<NonNullable<ServerFile['server']>['federation']>;
type EndpointBlock = NonNullable<FederationBlock['bundle_endpoint']>;
type FederatesWithBlock = NonNullable<FederationBlock['federates_with']>[string];

/** SPIRE's documented defaults of `federation.bundle_endpoint`. */
export const BUNDLE_ENDPOINT_DEFAULTS = {
  address: '0.0.0.0',
  port: 443,
  refreshHintSeconds: 300,
  fileSyncIntervalMs: 3_600_000,
} as const;

const ACME_UNSUPPORTED = 'acme is not supported yet; use profile "https_web" { serving_cert_file { ... } }';

/** Collects problems at `server.federation.<segments…>` with their file positions. */
class FederationIssues {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly positions: Map<string, Position>) {}

  add(segments: string[], message: string): void {
    const path = pathKey(['server', 'federation', ...segments]);
    this.issues.push({ path, position: this.positions.get(path), message });
  }
}

function servingProfile(
  block: EndpointBlock,
  issues: FederationIssues,
  warnings: string[],
): BundleEndpointServingProfile {
  const where = ['bundle_endpoint'];
  if (block.acme !== undefined) issues.add([...where, 'acme'], ACME_UNSUPPORTED);
  const profiles = Object.entries(block.profile ?? {});
  if (profiles.length === 0) {
    if (block.acme === undefined) {
      warnings.push('federation.bundle_endpoint has no profile; using "https_spiffe"');
    }
    return { kind: 'https_spiffe' };
  }
  if (profiles.length > 1) issues.add([...where, 'profile'], 'exactly one profile must be configured');
  const [name, profile] = profiles[0];
  const at = [...where, 'profile', name];
  if (name === 'https_spiffe') {
    if (profile.acme !== undefined || profile.serving_cert_file !== undefined) {
      issues.add(at, 'the "https_spiffe" profile takes no settings');
    }
    return { kind: 'https_spiffe' };
  }
  if (name !== 'https_web') {
    issues.add(at, `unknown profile "${name}": use "https_spiffe" or "https_web"`);
    return { kind: 'https_spiffe' };
  }
  if (profile.acme !== undefined) issues.add([...at, 'acme'], ACME_UNSUPPORTED);
  const file = profile.serving_cert_file;
  if (file === undefined) {
    if (profile.acme === undefined) issues.add(at, 'serving_cert_file must be configured');
    return { kind: 'https_web', certFilePath: '', keyFilePath: '', fileSyncIntervalMs: 0 };
  }
  for (const key of ['cert_file_path', 'key_file_path'] as const) {
    if (!file[key]) issues.add([...at, 'serving_cert_file', key], `${key} must be configured`);
  }
  const interval = file.file_sync_interval ?? BUNDLE_ENDPOINT_DEFAULTS.fileSyncIntervalMs;
  if (interval <= 0) {
    issues.add([...at, 'serving_cert_file', 'file_sync_interval'], 'must be a positive duration');
  }
  return {
    kind: 'https_web',
    certFilePath: file.cert_file_path ?? '',
    keyFilePath: file.key_file_path ?? '',
    fileSyncIntervalMs: interval,
  };
}

function bundleEndpoint(
  block: EndpointBlock,
  issues: FederationIssues,
  warnings: string[],
): BundleEndpointConfig {
  const hintMs = block.refresh_hint ?? BUNDLE_ENDPOINT_DEFAULTS.refreshHintSeconds * 1000;
  if (hintMs < 1000) issues.add(['bundle_endpoint', 'refresh_hint'], 'must be at least 1s');
  else if (hintMs < 60_000 || hintMs > 86_400_000) {
    warnings.push(
      `federation.bundle_endpoint.refresh_hint ${hintMs / 1000}s is outside the advised range 1m to 24h`,
    );
  }
  return {
    address: block.address || BUNDLE_ENDPOINT_DEFAULTS.address,
    port: block.port ?? BUNDLE_ENDPOINT_DEFAULTS.port,
    refreshHintSeconds: Math.max(1, Math.floor(hintMs / 1000)),
    profile: servingProfile(block, issues, warnings),
  };
}

/** Checks a bundle endpoint URL: `https`, a host, no user info. Returns a problem or undefined. */
export function bundleEndpointUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid URL: "${url}"`;
  }
  if (parsed.protocol !== 'https:') return `must use the HTTPS protocol; URL found: "${url}"`;
  if (parsed.username || parsed.password) return `must not contain user info; URL found: "${url}"`;
  return undefined;
}

function relationship(
  name: string,
  block: FederatesWithBlock,
  issues: FederationIssues,
): FederatesWithConfig | undefined {
  const at = ['federates_with', name];
  let trustDomain: string;
  try {
    trustDomain = TrustDomain.parse(name).name;
  } catch (err) {
    issues.add(at, `invalid trust domain "${name}": ${(err as Error).message}`);
    return undefined;
  }
  const url = block.bundle_endpoint_url ?? '';
  const urlProblem = url ? bundleEndpointUrlProblem(url) : 'must be configured';
  if (urlProblem) issues.add([...at, 'bundle_endpoint_url'], urlProblem);
  const profiles = Object.entries(block.bundle_endpoint_profile ?? {});
  if (profiles.length !== 1) {
    const problem = profiles.length === 0 ? 'must be configured' : 'exactly one profile must be configured';
    issues.add([...at, 'bundle_endpoint_profile'], problem);
    return undefined;
  }
  const [profile, settings] = profiles[0];
  const pat = [...at, 'bundle_endpoint_profile', profile];
  if (profile === 'https_web') {
    if (settings.endpoint_spiffe_id !== undefined) {
      issues.add([...pat, 'endpoint_spiffe_id'], 'is only valid with the "https_spiffe" profile');
    }
    return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: 'https_web' };
  }
  if (profile !== 'https_spiffe') {
    issues.add(pat, `unknown profile "${profile}": use "https_spiffe" or "https_web"`);
    return undefined;
  }
  const id = settings.endpoint_spiffe_id ?? '';
  if (!id) issues.add([...pat, 'endpoint_spiffe_id'], 'must be configured for the "https_spiffe" profile');
  else {
    try {
      SpiffeId.parse(id);
    } catch (err) {
      issues.add(
        [...pat, 'endpoint_spiffe_id'],
        `could not get endpoint SPIFFE ID: ${(err as Error).message}`,
      );
    }
  }
  return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: 'https_spiffe', endpointSpiffeId: id };
}

/**
 * Builds the federation config. Problems are returned as issues (the caller throws them with the rest);
 * start-up warnings are appended to `warnings`.
 */
export function mapFederation(
  block: FederationBlock | undefined,
  positions: Map<string, Position>,
  warnings: string[],
): { federation: FederationConfig; issues: ConfigIssue[] } {
  const issues = new FederationIssues(positions);
  const federation: FederationConfig = { federatesWith: [] };
  if (block?.bundle_endpoint !== undefined) {
    federation.bundleEndpoint = bundleEndpoint(block.bundle_endpoint, issues, warnings);
  }
  for (const [name, rel] of Object.entries(block?.federates_with ?? {})) {
    const mapped = relationship(name, rel, issues);
    if (mapped) federation.federatesWith.push(mapped);
  }
  return { federation, issues: issues.issues };
}
