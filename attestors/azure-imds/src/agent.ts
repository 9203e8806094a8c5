import type { NodeAttestorAgent, NodeAttestorAgentPlugin, PluginData } from '@lanyard/attestor-core';
import { fetchMetadata } from '@lanyard/attestor-core';
import { imdsRefused } from '@lanyard/attestor-azure-msi/agent';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { type AzureImdsAgentConfig, parseAgentConfig } from './agent-config';
import {
  AZURE_IMDS_API_VERSION,
  AZURE_IMDS_INITIAL_PAYLOAD,
  AZURE_IMDS_PLUGIN_NAME,
  type AttestedDocument,
  type ImdsAttestationPayload,
} from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/**
 * Agent half of `azure_imds`: opens the exchange with a fixed payload, then answers the server's nonce with the
 * IMDS attested document for that nonce plus the tenant domain and scale-set name (from compute metadata).
 */
export class AzureImdsAgentAttestor implements NodeAttestorAgent {
  readonly name = P;

  constructor(private readonly config: AzureImdsAgentConfig) {}

  /** The opening payload; the evidence travels in the challenge response. */
  async payload(): Promise<Buffer> {
    return Buffer.from(AZURE_IMDS_INITIAL_PAYLOAD, 'utf8');
  }

  /** Fetches the attested document for the nonce and returns SPIRE's JSON challenge response. */
  async respondToChallenge(challenge: Buffer): Promise<Buffer> {
    const nonce = challenge.toString('utf8');
    if (!/^[A-Za-z0-9]{1,32}$/.test(nonce)) {
      throw new InvalidArgumentError(
        `${P}: server challenge is not a nonce of 1-32 letters and digits`,
        'ERR_AZURE_IMDS_NONCE',
      );
    }
    const doc = (await this.getJson(
      '/metadata/attested/document',
      { nonce },
      'attested document',
    )) as Partial<AttestedDocument>;
    if (typeof doc.encoding !== 'string' || doc.encoding === '')
      throw new UnavailableError(`${P}: response missing encoding`, 'ERR_AZURE_IMDS');
    if (typeof doc.signature !== 'string' || doc.signature === '')
      throw new UnavailableError(`${P}: response missing signature`, 'ERR_AZURE_IMDS');
    const instance = (await this.getJson('/metadata/instance', { format: 'json' }, 'compute metadata')) as {
      compute?: { vmScaleSetName?: unknown };
    };
    const vmss = instance.compute?.vmScaleSetName;
    const response: ImdsAttestationPayload = {
      document: { encoding: doc.encoding, signature: doc.signature },
      metadata: {
        agentDomain: this.config.tenantDomain,
        vmssName: typeof vmss === 'string' && vmss !== '' ? vmss : null,
      },
    };
    return Buffer.from(JSON.stringify(response), 'utf8');
  }

  private async getJson(path: string, params: Record<string, string>, what: string): Promise<unknown> {
    const query = new URLSearchParams({ 'api-version': AZURE_IMDS_API_VERSION, ...params });
    const res = await fetchMetadata(
      `${this.config.metadataEndpoint}${path}?${query}`,
      { method: 'GET', headers: { Metadata: 'true' } },
      { what: `${P}: ${what}`, timeoutMs: this.config.timeoutMs, attempts: this.config.attempts },
    );
    if (res.status !== 200) throw imdsRefused(P, what, res);
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new UnavailableError(`${P}: IMDS ${what} is not JSON`, 'ERR_AZURE_IMDS');
    }
  }
}

/** Catalog registration of the agent half. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: P,
  async create(pluginData: PluginData): Promise<NodeAttestorAgent> {
    return new AzureImdsAgentAttestor(parseAgentConfig(pluginData));
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
