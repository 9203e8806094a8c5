import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import type { AppCredential } from './credential';
import { fail } from './config-error';
import { type AzureEndpoints, ENDPOINT_FIELDS, assertUrl, readEndpoints } from './endpoints';
import { AZURE_DEFAULT_RESOURCE_ID, AZURE_MSI_DEFAULT_PATH_TEMPLATE, AZURE_MSI_PLUGIN_NAME } from './shared';

const P = AZURE_MSI_PLUGIN_NAME;

/** Agent `plugin_data`. */
export interface AzureMsiAgentConfig {
  readonly resourceId: string;
  /** Lanyard: IMDS base URL; default `http://169.254.169.254`. */
  readonly metadataEndpoint: string;
  readonly timeoutMs: number;
  readonly attempts: number;
}

/** Lanyard's IMDS keys, shared by the agent halves of azure_msi and azure_imds. */
export const IMDS_FIELDS = {
  metadata_endpoint: field.string(),
  metadata_timeout: field.duration(),
  metadata_attempts: field.int(),
};

const AGENT_PLUGIN_DATA = { resource_id: field.string(), ...IMDS_FIELDS };

/** Parses agent `plugin_data` (`resource_id`, plus Lanyard's `metadata_endpoint`, `metadata_timeout`, `metadata_attempts`). */
export function parseAgentConfig(data: PluginData): AzureMsiAgentConfig {
  const decoded = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  const config = {
    resourceId: decoded.resource_id || AZURE_DEFAULT_RESOURCE_ID,
    metadataEndpoint: (decoded.metadata_endpoint ?? 'http://169.254.169.254').replace(/\/+$/, ''),
    timeoutMs: decoded.metadata_timeout ?? 5000,
    attempts: decoded.metadata_attempts ?? 3,
  };
  assertUrl(P, config.metadataEndpoint, 'metadata_endpoint');
  if (config.attempts < 1 || config.attempts > 10) fail(P, 'metadata_attempts', 'must be between 1 and 10');
  return config;
}

/** One entry of `tenants`. */
export interface MsiTenantConfig {
  readonly resourceId: string;
  /** Subscription searched through ARM; unset: no ARM lookup (selectors from `xms_mirid`). */
  readonly subscriptionId?: string;
  /** App registration for ARM; unset with a `subscriptionId`: the default credential chain. */
  readonly app?: AppCredential;
}

/** Server `plugin_data`. */
export interface AzureMsiServerConfig {
  readonly tenants: ReadonlyMap<string, MsiTenantConfig>;
  readonly pathTemplate: AgentPathTemplate;
  readonly endpoints: AzureEndpoints;
}

const TENANT_FIELDS = {
  resource_id: field.string(),
  subscription_id: field.string(),
  app_id: field.string(),
  app_secret: field.string(),
};

const SERVER_PLUGIN_DATA = {
  tenants: field.map(field.object(`${P} tenant`, TENANT_FIELDS)),
  agent_path_template: field.string(),
  ...ENDPOINT_FIELDS,
};

type TenantData = NonNullable<
  ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>['tenants']
>[string];

/**
 * Parses server `plugin_data`: `tenants`, `agent_path_template`, and Lanyard's `authority_host`,
 * `resource_manager_endpoint`, `endpoint_ca_bundle_path`.
 */
export function parseServerConfig(data: PluginData): AzureMsiServerConfig {
  const decoded = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const pathTemplate = AgentPathTemplate.parse(
    decoded.agent_path_template ?? AZURE_MSI_DEFAULT_PATH_TEMPLATE,
    P,
  );
  const endpoints = readEndpoints(decoded, P);
  const tenants = new Map<string, MsiTenantConfig>();
  for (const [tenantId, value] of Object.entries(decoded.tenants ?? {}))
    tenants.set(tenantId, parseTenant(tenantId, value));
  if (tenants.size === 0) fail(P, 'tenants', 'must have at least one tenant');
  return { tenants, pathTemplate, endpoints };
}

/**
 * SPIRE's tenant forms: `subscription_id` + `app_id` + `app_secret` (client secret). Lanyard also accepts
 * `subscription_id` alone (the default credential chain) and nothing (no ARM lookup).
 */
function parseTenant(tenantId: string, value: TenantData): MsiTenantConfig {
  const where = `tenants "${tenantId}"`;
  const resourceId = value.resource_id || AZURE_DEFAULT_RESOURCE_ID;
  const subscriptionId = value.subscription_id || undefined;
  const appId = value.app_id || undefined;
  const appSecret = value.app_secret || undefined;
  if ((appId === undefined) !== (appSecret === undefined))
    fail(P, where, 'must set app_id and app_secret together');
  if (appId !== undefined && subscriptionId === undefined)
    fail(P, `${where}.subscription_id`, 'is required with app_id and app_secret');
  if (appId === undefined || appSecret === undefined) return { resourceId, subscriptionId };
  return { resourceId, subscriptionId, app: { appId, appSecret } };
}

export { fail } from './config-error';
