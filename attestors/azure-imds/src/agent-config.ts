import { PluginConfigReader, type PluginData, readDuration } from '@lanyard/attestor-core';
import { fail } from '@lanyard/attestor-azure-msi/agent';
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

/** Parses agent `plugin_data`: `tenant_domain` (required) and Lanyard's metadata_* keys. */
export function parseAgentConfig(data: PluginData): AzureImdsAgentConfig {
  const r = new PluginConfigReader(P, data);
  const config = {
    tenantDomain: r.requiredString('tenant_domain'),
    metadataEndpoint: (r.string('metadata_endpoint') ?? 'http://169.254.169.254').replace(/\/+$/, ''),
    timeoutMs: readDuration(r, P, 'metadata_timeout') ?? 10_000,
    attempts: r.integer('metadata_attempts') ?? 3,
  };
  r.rejectUnknownKeys();
  if (!/^https?:\/\/[^/]+/.test(config.metadataEndpoint))
    fail(P, 'metadata_endpoint', 'must be an http or https URL');
  if (config.attempts < 1 || config.attempts > 10) fail(P, 'metadata_attempts', 'must be between 1 and 10');
  return config;
}
