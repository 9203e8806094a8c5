import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginData,
} from '@lanyard/attestor-core';
import { fetchMetadata } from '@lanyard/attestor-core';
import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { type AwsIidAgentConfig, parseAgentConfig } from './config';
import { AWS_IID_PLUGIN_NAME, type IidAttestationData } from './shared';

const TOKEN_TTL_SECONDS = '300';
const DYNAMIC = '/latest/dynamic/instance-identity/';

/**
 * Agent half of `aws_iid`: reads the instance identity document and both signatures from IMDS (IMDSv2
 * session token first; IMDSv1 only when `imds_v1_fallback` is set) and sends them as SPIRE's JSON payload.
 */
export class AwsIidAgentAttestor implements NodeAttestorAgent {
  readonly name = AWS_IID_PLUGIN_NAME;

  constructor(
    private readonly config: AwsIidAgentConfig,
    private readonly deps: AgentAttestorDeps,
  ) {}

  /** `{"document": …, "signature": …, "rsa2048": …}` as UTF-8 JSON. */
  async payload(): Promise<Buffer> {
    const token = await this.sessionToken();
    const headers: Record<string, string> = token === undefined ? {} : { 'X-aws-ec2-metadata-token': token };
    const document = await this.get('document', headers);
    const signature = await this.get('signature', headers);
    const rsa2048 = await this.get('rsa2048', headers);
    const data: IidAttestationData = { document, signature, rsa2048 };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  private async sessionToken(): Promise<string | undefined> {
    const res = await fetchMetadata(
      `${this.config.metadataEndpoint}/latest/api/token`,
      { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS } },
      this.fetchOptions('IMDSv2 session token'),
    );
    if (res.status === 200 && res.body !== '') return res.body;
    if ([403, 404, 405].includes(res.status) && this.config.imdsV1Fallback) {
      this.deps.logger.warn('IMDSv2 token endpoint refused; falling back to IMDSv1', { status: res.status });
      return undefined;
    }
    throw new UnavailableError(
      `aws_iid: IMDSv2 session token request to ${this.config.metadataEndpoint} answered HTTP ${res.status}` +
        ([403, 404, 405].includes(res.status) ? ' (set imds_v1_fallback = true to allow IMDSv1)' : ''),
      'ERR_AWS_IMDS',
    );
  }

  private async get(item: string, headers: Record<string, string>): Promise<string> {
    const res = await fetchMetadata(
      `${this.config.metadataEndpoint}${DYNAMIC}${item}`,
      { method: 'GET', headers },
      this.fetchOptions(`instance identity ${item}`),
    );
    if (res.status === 401 || res.status === 403) {
      throw new PermissionDeniedError(
        `aws_iid: IMDS refused instance identity ${item} with HTTP ${res.status}`,
        'ERR_AWS_IMDS',
      );
    }
    if (res.status !== 200) {
      throw new UnavailableError(
        `aws_iid: IMDS answered HTTP ${res.status} for instance identity ${item}`,
        'ERR_AWS_IMDS',
      );
    }
    return res.body;
  }

  private fetchOptions(what: string): { what: string; timeoutMs: number; attempts: number } {
    return { what: `aws_iid: ${what}`, timeoutMs: this.config.timeoutMs, attempts: this.config.attempts };
  }
}

/** Catalog registration of the agent half. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: AWS_IID_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: AgentAttestorDeps): Promise<NodeAttestorAgent> {
    return new AwsIidAgentAttestor(parseAgentConfig(pluginData), deps);
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
