import type {
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { decodePluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { JOIN_TOKEN_PLUGIN_NAME, assertValidJoinToken, joinTokenAgentId } from './shared';

/**
 * Server half of `join_token`: the payload is the token; it is consumed (deleted) before the expiry check,
 * exactly like SPIRE, so an expired token cannot be retried either. No challenge, no node selectors,
 * agents are not reattestable.
 */
export class JoinTokenServerAttestor implements NodeAttestorServer {
  readonly name = JOIN_TOKEN_PLUGIN_NAME;

  constructor(private readonly deps: ServerAttestorDeps) {}

  /** Consumes the token and returns the agent ID `spiffe://<td>/spire/agent/join_token/<token>`. */
  async attest(payload: Buffer): Promise<NodeAttestationResult> {
    const token = payload.toString('utf8');
    assertValidJoinToken(token, 'join token payload');
    const consumed = await this.deps.joinTokens.consumeJoinToken(token);
    if (consumed === undefined) {
      throw new InvalidArgumentError(
        'failed to attest: join token does not exist or has already been used',
        'ERR_JOIN_TOKEN_UNKNOWN',
      );
    }
    if (consumed.expiresAt * 1000 < this.deps.now()) {
      throw new InvalidArgumentError('join token expired', 'ERR_JOIN_TOKEN_EXPIRED');
    }
    return { agentId: joinTokenAgentId(this.deps.trustDomain, token), selectors: [], canReattest: false };
  }
}

/** Catalog registration of the server half; `plugin_data` must be empty. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: JOIN_TOKEN_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    decodePluginData(JOIN_TOKEN_PLUGIN_NAME, pluginData, {});
    return new JoinTokenServerAttestor(deps);
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
