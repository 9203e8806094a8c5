import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
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

/**
 * An Entra ID app registration used to call ARM (client-credentials grant), authenticated either with a secret or
 * with a client assertion (a JWT read from `assertionPath` on every token request, as SPIRE's `token_auth`).
 */
export interface AppCredential {
  readonly tenantId: string;
  readonly appId: string;
  readonly appSecret?: string;
  readonly assertionPath?: string;
}

/** One entry of `tenants`. */
export interface MsiTenantConfig {
  readonly resourceId: string;
  readonly subscriptionId?: string;
  readonly app?: AppCredential;
}

/** Lanyard endpoint overrides shared by the Azure attestors. */
export interface AzureEndpoints {
  /** Entra ID authority; default `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** Azure Resource Manager; default `https://management.azure.com`. */
  readonly resourceManager: string;
}

/** Server `plugin_data`. */
export interface AzureMsiServerConfig {
  readonly tenants: ReadonlyMap<string, MsiTenantConfig>;
  readonly pathTemplate: AgentPathTemplate;
  readonly endpoints: AzureEndpoints;
}

/** Lanyard's endpoint overrides, shared by the server halves of azure_msi and azure_imds. */
export const ENDPOINT_FIELDS = {
  authority_host: field.string(),
  resource_manager_endpoint: field.string(),
};

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

/** Parses server `plugin_data`: `tenants`, `agent_path_template`, and Lanyard's `authority_host`, `resource_manager_endpoint`. */
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

function parseTenant(tenantId: string, value: TenantData): MsiTenantConfig {
  const where = `tenants "${tenantId}"`;
  const resourceId = value.resource_id || AZURE_DEFAULT_RESOURCE_ID;
  const { subscription_id: subscriptionId, app_id: appId, app_secret: appSecret } = value;
  const given = [subscriptionId, appId, appSecret].filter((v) => v !== undefined && v !== '').length;
  if (given !== 0 && given !== 3) {
    fail(P, where, 'must set subscription_id, app_id and app_secret together (or none of them)');
  }
  return given === 3
    ? {
        resourceId,
        subscriptionId,
        app: { tenantId, appId: appId as string, appSecret: appSecret as string },
      }
    : { resourceId };
}

/** Reads the Lanyard endpoint overrides shared by azure_msi and azure_imds. */
export function readEndpoints(
  values: { authority_host?: string; resource_manager_endpoint?: string },
  plugin: string,
): AzureEndpoints {
  const endpoints = {
    authorityHost: (values.authority_host ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''),
    resourceManager: (values.resource_manager_endpoint ?? 'https://management.azure.com').replace(/\/+$/, ''),
  };
  assertUrl(plugin, endpoints.authorityHost, 'authority_host');
  assertUrl(plugin, endpoints.resourceManager, 'resource_manager_endpoint');
  return endpoints;
}

function assertUrl(plugin: string, url: string, key: string): void {
  if (!/^https?:\/\/[^/]+/.test(url)) fail(plugin, key, 'must be an http or https URL');
}

/** Throws the standard config error `<plugin>: plugin_data.<key> <problem>`. */
export function fail(plugin: string, key: string, problem: string): never {
  throw new InvalidArgumentError(`${plugin}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}
