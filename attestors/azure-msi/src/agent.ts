import type {
  MetadataResponse,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginData,
} from '@lanyard/attestor-core';
import { fetchMetadata } from '@lanyard/attestor-core';
import { PermissionDeniedError, UnavailableError, type LanyardError } from '@lanyard/base';
import { type AzureMsiAgentConfig, parseAgentConfig } from './config';
import { AZURE_MSI_PLUGIN_NAME, type MsiAttestationData } from './shared';

/** IMDS API version SPIRE uses for managed-identity tokens. */
export const MSI_TOKEN_API_VERSION = '2018-02-01';

/**
 * Agent half of `azure_msi`: gets a managed-identity access token for `resource_id` from IMDS
 * (`Metadata: true`) and sends `{"token": …}`.
 */
export class AzureMsiAgentAttestor implements NodeAttestorAgent {
  readonly name = AZURE_MSI_PLUGIN_NAME;

  constructor(private readonly config: AzureMsiAgentConfig) {}

  /** The JSON payload with the MSI token. */
  async payload(): Promise<Buffer> {
    const query = new URLSearchParams({
      'api-version': MSI_TOKEN_API_VERSION,
      resource: this.config.resourceId,
    });
    const res = await fetchMetadata(
      `${this.config.metadataEndpoint}/metadata/identity/oauth2/token?${query}`,
      { method: 'GET', headers: { Metadata: 'true' } },
      {
        what: 'azure_msi: managed identity token',
        timeoutMs: this.config.timeoutMs,
        attempts: this.config.attempts,
      },
    );
    if (res.status !== 200) throw imdsRefused(AZURE_MSI_PLUGIN_NAME, 'managed identity token', res);
    let token: unknown;
    try {
      token = (JSON.parse(res.body) as { access_token?: unknown }).access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new UnavailableError('azure_msi: IMDS response has no access_token', 'ERR_AZURE_IMDS');
    }
    const data: MsiAttestationData = { token };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }
}

/**
 * The error for an Azure IMDS answer other than 200: PermissionDenied for 400, 403 and 404 (IMDS will not give
 * this VM what was asked), Unavailable otherwise; names `plugin`, `what` was asked and the start of the body.
 */
export function imdsRefused(plugin: string, what: string, res: MetadataResponse): LanyardError {
  const Err =
    res.status === 400 || res.status === 403 || res.status === 404 ? PermissionDeniedError : UnavailableError;
  return new Err(
    `${plugin}: IMDS refused the ${what} (HTTP ${res.status}): ${res.body.slice(0, 200)}`,
    'ERR_AZURE_IMDS',
  );
}

/** Catalog registration of the agent half. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: AZURE_MSI_PLUGIN_NAME,
  async create(pluginData: PluginData): Promise<NodeAttestorAgent> {
    return new AzureMsiAgentAttestor(parseAgentConfig(pluginData));
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
export { IMDS_FIELDS, fail } from './config';
