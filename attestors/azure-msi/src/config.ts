import { AgentPathTemplate, PluginConfigReader, type PluginData, readDuration } from '@lanyard/attestor-core';
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

/** Parses agent `plugin_data` (`resource_id`, plus Lanyard's `metadata_endpoint`, `metadata_timeout`, `metadata_attempts`). */
export function parseAgentConfig(data: PluginData): AzureMsiAgentConfig {
  const r = new PluginConfigReader(P, data);
  const config = {
    resourceId: r.string('resource_id') || AZURE_DEFAULT_RESOURCE_ID,
    metadataEndpoint: (r.string('metadata_endpoint') ?? 'http://169.254.169.254').replace(/\/+$/, ''),
    timeoutMs: readDuration(r, P, 'metadata_timeout') ?? 5000,
    attempts: r.integer('metadata_attempts') ?? 3,
  };
  r.rejectUnknownKeys();
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

/** Parses server `plugin_data`: `tenants`, `agent_path_template`, and Lanyard's `authority_host`, `resource_manager_endpoint`. */
export function parseServerConfig(data: PluginData): AzureMsiServerConfig {
  const r = new PluginConfigReader(P, data);
  const tenantsBlock = r.object('tenants') ?? {};
  const pathTemplate = AgentPathTemplate.parse(
    r.string('agent_path_template') ?? AZURE_MSI_DEFAULT_PATH_TEMPLATE,
    P,
  );
  const endpoints = readEndpoints(r, P);
  r.rejectUnknownKeys();
  const tenants = new Map<string, MsiTenantConfig>();
  for (const [tenantId, value] of Object.entries(tenantsBlock))
    tenants.set(tenantId, parseTenant(tenantId, value));
  if (tenants.size === 0) fail(P, 'tenants', 'must have at least one tenant');
  return { tenants, pathTemplate, endpoints };
}

function parseTenant(tenantId: string, value: unknown): MsiTenantConfig {
  const where = `tenants "${tenantId}"`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(P, where, 'must be an object');
  const r = new PluginConfigReader(`${P}: ${where}`, value as PluginData);
  const resourceId = r.string('resource_id') || AZURE_DEFAULT_RESOURCE_ID;
  const subscriptionId = r.string('subscription_id');
  const appId = r.string('app_id');
  const appSecret = r.string('app_secret');
  r.rejectUnknownKeys();
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
export function readEndpoints(r: PluginConfigReader, plugin: string): AzureEndpoints {
  const endpoints = {
    authorityHost: (r.string('authority_host') ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''),
    resourceManager: (r.string('resource_manager_endpoint') ?? 'https://management.azure.com').replace(
      /\/+$/,
      '',
    ),
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
