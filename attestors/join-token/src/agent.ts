import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginData,
} from '@lanyard/attestor-core';
import { decodePluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { JOIN_TOKEN_PLUGIN_NAME, assertValidJoinToken } from './shared';

/** Agent half of `join_token`: sends the token given with `-joinToken` / `join_token` as the payload. */
export class JoinTokenAgentAttestor implements NodeAttestorAgent {
  readonly name = JOIN_TOKEN_PLUGIN_NAME;

  constructor(private readonly token: string) {}

  /** The token as UTF-8 bytes. */
  payload(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.token, 'utf8'));
  }
}

/** Catalog registration of the agent half; `plugin_data` must be empty and a join token must be configured. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: JOIN_TOKEN_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: AgentAttestorDeps): Promise<NodeAttestorAgent> {
    decodePluginData(JOIN_TOKEN_PLUGIN_NAME, pluginData, {});
    const token = deps.joinToken;
    if (token === undefined || token === '') {
      throw new InvalidArgumentError(
        'join_token: a join token is required (agent join_token, join_token_file or -joinToken)',
        'ERR_JOIN_TOKEN_MISSING',
      );
    }
    assertValidJoinToken(token);
    return new JoinTokenAgentAttestor(token);
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
