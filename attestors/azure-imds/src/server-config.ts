import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import {
  type AppCredential,
  ENDPOINT_FIELDS,
  type AzureEndpoints,
  fail,
  readEndpoints,
} from '@lanyard/attestor-azure-msi/server';
import { decodePem, type PemBlock } from '@lanyard/base';
import { AZURE_IMDS_DEFAULT_PATH_TEMPLATE, AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/**
 * ARM credentials of a tenant: an app secret (`secret_auth`) or a client-assertion file (`token_auth`); a tenant
 * with neither uses the default credential chain.
 */
export type TenantAuth = AppCredential;

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

const TENANT_FIELDS = {
  secret_auth: field.object(`${P} secret_auth`, { app_id: field.string(), app_secret: field.string() }),
  token_auth: field.object(`${P} token_auth`, { app_id: field.string(), token_path: field.string() }),
  restrict_to_subscriptions: field.stringList(),
  allowed_vm_tags: field.stringList(),
};

const SERVER_PLUGIN_DATA = {
  tenants: field.map(field.object(`${P} tenant`, TENANT_FIELDS)),
  agent_path_template: field.string(),
  allowed_metadata_domains: field.stringList(),
  trust_bundle_path: field.string(),
  intermediate_issuer_hosts: field.stringList(),
  ...ENDPOINT_FIELDS,
};

type TenantData = NonNullable<
  ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>['tenants']
>[string];

/** Parses and validates server `plugin_data`. */
export function parseServerConfig(data: PluginData): AzureImdsServerConfig {
  const decoded = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const config = {
    pathTemplate: AgentPathTemplate.parse(decoded.agent_path_template ?? AZURE_IMDS_DEFAULT_PATH_TEMPLATE, P),
    allowedMetadataDomains: decoded.allowed_metadata_domains ?? ['metadata.azure.com'],
    trustBundlePath: decoded.trust_bundle_path,
    intermediateIssuerHosts: new Set(decoded.intermediate_issuer_hosts ?? ['www.microsoft.com']),
    endpoints: readEndpoints(decoded, P),
  };
  const tenants = new Map<string, ImdsTenantConfig>();
  for (const [domain, value] of Object.entries(decoded.tenants ?? {}))
    tenants.set(domain, parseTenant(domain, value));
  if (tenants.size === 0) fail(P, 'tenants', 'must have at least one tenant');
  if (config.allowedMetadataDomains.length === 0) fail(P, 'allowed_metadata_domains', 'must not be empty');
  if (config.trustBundlePath === undefined) {
    fail(P, 'trust_bundle_path', 'is required: lanyard ships no built-in Azure root certificates');
  }
  return { ...config, tenants, roots: readRoots(config.trustBundlePath) };
}

function parseTenant(domain: string, value: TenantData): ImdsTenantConfig {
  const where = `tenants "${domain}"`;
  const { secret_auth: secretAuth, token_auth: tokenAuth } = value;
  const subscriptions = value.restrict_to_subscriptions ?? [];
  const tags = value.allowed_vm_tags ?? [];
  if (secretAuth && tokenAuth) fail(P, where, 'may set only one of secret_auth or token_auth');
  if (subscriptions.some((s) => s.trim() === ''))
    fail(P, `${where}.restrict_to_subscriptions`, 'entries must be non-empty');
  return {
    auth: secretAuth
      ? secretAuthOf(where, secretAuth)
      : tokenAuth
        ? tokenAuthOf(where, tokenAuth)
        : undefined,
    restrictToSubscriptions: new Set(subscriptions.map((s) => s.trim())),
    allowedVmTags: new Set(tags),
  };
}

function required(value: string | undefined, key: string): string {
  if (!value) fail(P, key, 'is required');
  return value;
}

function secretAuthOf(where: string, block: { app_id?: string; app_secret?: string }): TenantAuth {
  return {
    appId: required(block.app_id, `${where}.secret_auth.app_id`),
    appSecret: required(block.app_secret, `${where}.secret_auth.app_secret`),
  };
}

function tokenAuthOf(where: string, block: { app_id?: string; token_path?: string }): TenantAuth {
  return {
    appId: required(block.app_id, `${where}.token_auth.app_id`),
    assertionPath: required(block.token_path, `${where}.token_auth.token_path`),
  };
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
