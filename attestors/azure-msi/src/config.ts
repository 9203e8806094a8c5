import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import type { AppCredential } from './credential';
import { fail } from './config-error';
import { type AzureEndpoints, ENDPOINT_FIELDS, assertUrl, readEndpoints } from './endpoints';
import { AZURE_DEFAULT_RESOURCE_ID, AZURE_MSI_DEFAULT_PATH_TEMPLATE, AZURE_MSI_PLUGIN_NAME } from './shared';

const P = AZURE_MSI_PLUGIN_NAME;

/** Where and how patiently the Azure Instance Metadata Service is asked (Lanyard's `metadata_*` keys). */
export interface ImdsAccess {
  /** IMDS base URL; default `http://169.254.169.254`. */
  readonly metadataEndpoint: string;
  readonly timeoutMs: number;
  readonly attempts: number;
}

/** Agent `plugin_data`. */
export interface AzureMsiAgentConfig extends ImdsAccess {
  readonly resourceId: string;
}

/** Lanyard's IMDS keys, shared by the agent halves of azure_msi and azure_imds and by azure_msi's server half. */
export const IMDS_FIELDS = {
  metadata_endpoint: field.string(),
  metadata_timeout: field.duration(),
  metadata_attempts: field.int(),
};

const AGENT_PLUGIN_DATA = { resource_id: field.string(), ...IMDS_FIELDS };

/** Parses agent `plugin_data` (`resource_id`, plus Lanyard's `metadata_endpoint`, `metadata_timeout`, `metadata_attempts`). */
export function parseAgentConfig(data: PluginData): AzureMsiAgentConfig {
  const decoded = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  return { resourceId: decoded.resource_id || AZURE_DEFAULT_RESOURCE_ID, ...readImdsAccess(decoded) };
}

/** Reads and checks Lanyard's `metadata_endpoint`, `metadata_timeout` and `metadata_attempts` (with defaults). */
function readImdsAccess(values: {
  metadata_endpoint?: string;
  metadata_timeout?: number;
  metadata_attempts?: number;
}): ImdsAccess {
  const access = {
    metadataEndpoint: (values.metadata_endpoint ?? 'http://169.254.169.254').replace(/\/+$/, ''),
    timeoutMs: values.metadata_timeout ?? 5000,
    attempts: values.metadata_attempts ?? 3,
  };
  assertUrl(P, access.metadataEndpoint, 'metadata_endpoint');
  if (access.attempts < 1 || access.attempts > 10) fail(P, 'metadata_attempts', 'must be between 1 and 10');
  return access;
}

/** One entry of `tenants`. */
export interface MsiTenantConfig {
  readonly resourceId: string;
  /** Subscription searched through ARM; unset: the server's own subscription, read from its instance metadata. */
  readonly subscriptionId?: string;
  /** App registration for ARM; unset: the default credential chain scoped to the tenant. */
  readonly app?: AppCredential;
}

/** Server `plugin_data`. */
export interface AzureMsiServerConfig {
  readonly tenants: ReadonlyMap<string, MsiTenantConfig>;
  readonly pathTemplate: AgentPathTemplate;
  readonly endpoints: AzureEndpoints;
  /** The server's IMDS, asked for its subscription when a tenant has no `subscription_id`. */
  readonly imds: ImdsAccess;
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
  ...IMDS_FIELDS,
};

type TenantData = NonNullable<
  ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>['tenants']
>[string];

/**
 * Parses server `plugin_data`: `tenants`, `agent_path_template`, and Lanyard's `authority_host`,
 * `resource_manager_endpoint`, `endpoint_ca_bundle_path`, `metadata_endpoint`, `metadata_timeout`,
 * `metadata_attempts`.
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
  return { tenants, pathTemplate, endpoints, imds: readImdsAccess(decoded) };
}

/**
 * SPIRE's tenant forms: `subscription_id` + `app_id` + `app_secret` (client secret), or none of them (the default
 * credential chain against the server's own subscription). Lanyard also accepts `subscription_id` alone (the
 * default credential chain against that subscription, without asking IMDS).
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
