import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AgentPathTemplate, PluginConfigReader, type PluginData } from '@lanyard/attestor-core';
import { type AzureEndpoints, fail, readEndpoints } from '@lanyard/attestor-azure-msi/server';
import { decodePem, type PemBlock } from '@lanyard/base';
import { AZURE_IMDS_DEFAULT_PATH_TEMPLATE, AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/** ARM credentials of a tenant: an app secret (`secret_auth`) or a client-assertion file (`token_auth`). */
export type TenantAuth = { appId: string; appSecret: string } | { appId: string; assertionPath: string };

/** One entry of `tenants`, keyed by tenant domain. */
export interface ImdsTenantConfig {
  readonly auth?: TenantAuth;
  readonly restrictToSubscriptions: ReadonlySet<string>;
  readonly allowedVmTags: ReadonlySet<string>;
}

/** Server `plugin_data`. */
export interface AzureImdsServerConfig {
  readonly tenants: ReadonlyMap<string, ImdsTenantConfig>;
  readonly pathTemplate: AgentPathTemplate;
  readonly allowedMetadataDomains: string[];
  /** Roots the attested-document signer must chain to (Lanyard ships none built in). */
  readonly roots: X509Certificate[];
  /** Lanyard: hosts the signer's AIA `caIssuers` URL may point at; default `www.microsoft.com`. */
  readonly intermediateIssuerHosts: ReadonlySet<string>;
  readonly endpoints: AzureEndpoints;
}

/** Parses and validates server `plugin_data`. */
export function parseServerConfig(data: PluginData): AzureImdsServerConfig {
  const r = new PluginConfigReader(P, data);
  const tenantsBlock = r.object('tenants') ?? {};
  const config = {
    pathTemplate: AgentPathTemplate.parse(
      r.string('agent_path_template') ?? AZURE_IMDS_DEFAULT_PATH_TEMPLATE,
      P,
    ),
    allowedMetadataDomains: r.stringList('allowed_metadata_domains') ?? ['metadata.azure.com'],
    trustBundlePath: r.string('trust_bundle_path'),
    intermediateIssuerHosts: new Set(r.stringList('intermediate_issuer_hosts') ?? ['www.microsoft.com']),
    endpoints: readEndpoints(r, P),
  };
  r.rejectUnknownKeys();
  const tenants = new Map<string, ImdsTenantConfig>();
  for (const [domain, value] of Object.entries(tenantsBlock)) tenants.set(domain, parseTenant(domain, value));
  if (tenants.size === 0) fail(P, 'tenants', 'must have at least one tenant');
  if (config.allowedMetadataDomains.length === 0) fail(P, 'allowed_metadata_domains', 'must not be empty');
  if (config.trustBundlePath === undefined) {
    fail(P, 'trust_bundle_path', 'is required: lanyard ships no built-in Azure root certificates');
  }
  return { ...config, tenants, roots: readRoots(config.trustBundlePath) };
}

function parseTenant(domain: string, value: unknown): ImdsTenantConfig {
  const where = `tenants "${domain}"`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(P, where, 'must be an object');
  const r = new PluginConfigReader(`${P}: ${where}`, value as PluginData);
  const secretAuth = r.object('secret_auth');
  const tokenAuth = r.object('token_auth');
  const subscriptions = r.stringList('restrict_to_subscriptions') ?? [];
  const tags = r.stringList('allowed_vm_tags') ?? [];
  r.rejectUnknownKeys();
  if (secretAuth && tokenAuth) fail(P, where, 'may set only one of secret_auth or token_auth');
  if (subscriptions.some((s) => s.trim() === ''))
    fail(P, `${where}.restrict_to_subscriptions`, 'entries must be non-empty');
  return {
    auth: secretAuth
      ? readAuth(where, 'secret_auth', secretAuth)
      : tokenAuth
        ? readAuth(where, 'token_auth', tokenAuth)
        : undefined,
    restrictToSubscriptions: new Set(subscriptions.map((s) => s.trim())),
    allowedVmTags: new Set(tags),
  };
}

function readAuth(where: string, kind: 'secret_auth' | 'token_auth', block: PluginData): TenantAuth {
  const r = new PluginConfigReader(`${P}: ${where}.${kind}`, block);
  const appId = r.requiredString('app_id');
  const auth =
    kind === 'secret_auth'
      ? { appId, appSecret: r.requiredString('app_secret') }
      : { appId, assertionPath: r.requiredString('token_path') };
  r.rejectUnknownKeys();
  return auth;
}

function readRoots(path: string): X509Certificate[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(P, 'trust_bundle_path', `cannot be read: ${(error as Error).message}`);
  }
  let blocks: PemBlock[] = [];
  try {
    blocks = decodePem(pem, 'CERTIFICATE');
  } catch (error) {
    fail(P, 'trust_bundle_path', `is not valid PEM: ${(error as Error).message}`);
  }
  if (blocks.length === 0) fail(P, 'trust_bundle_path', 'holds no PEM certificate');
  return blocks.map((block) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block.der);
    } catch (error) {
      return fail(
        P,
        'trust_bundle_path',
        `has a certificate that does not parse: ${(error as Error).message}`,
      );
    }
    if (!cert.ca) fail(P, 'trust_bundle_path', `contains a non-CA certificate (subject "${cert.subject}")`);
    return cert;
  });
}
