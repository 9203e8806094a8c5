import { decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { IMDS_FIELDS, fail } from '@lanyard/attestor-azure-msi/agent';
import { AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/** Agent `plugin_data`. */
export interface AzureImdsAgentConfig {
  readonly tenantDomain: string;
  /** Lanyard: IMDS base URL; default `http://169.254.169.254`. */
  readonly metadataEndpoint: string;
  readonly timeoutMs: number;
  readonly attempts: number;
}

const AGENT_PLUGIN_DATA = { tenant_domain: field.string(), ...IMDS_FIELDS };

/** Parses agent `plugin_data`: `tenant_domain` (required) and Lanyard's metadata_* keys. */
export function parseAgentConfig(data: PluginData): AzureImdsAgentConfig {
  const decoded = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  if (!decoded.tenant_domain) fail(P, 'tenant_domain', 'is required');
  const config = {
    tenantDomain: decoded.tenant_domain,
    metadataEndpoint: (decoded.metadata_endpoint ?? 'http://169.254.169.254').replace(/\/+$/, ''),
    timeoutMs: decoded.metadata_timeout ?? 10_000,
    attempts: decoded.metadata_attempts ?? 3,
  };
  if (!/^https?:\/\/[^/]+/.test(config.metadataEndpoint))
    fail(P, 'metadata_endpoint', 'must be an http or https URL');
  if (config.attempts < 1 || config.attempts > 10) fail(P, 'metadata_attempts', 'must be between 1 and 10');
  return config;
}
