import { silentLogger, type JoinTokenStore } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { agentPlugin, serverPlugin } from '../src';

/** A real in-memory token store with the same consume-once semantics as the datastore. */
class MemoryTokens implements JoinTokenStore {
  readonly tokens = new Map<string, number>();
  async consumeJoinToken(token: string): Promise<{ expiresAt: number } | undefined> {
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return undefined;
    this.tokens.delete(token);
    return { expiresAt };
  }
}

const NOW = 1_700_000_000_000;

function serverDeps(tokens: MemoryTokens) {
  return {
    trustDomain: 'example.org',
    logger: silentLogger,
    joinTokens: tokens,
    attestedNodes: { isAttested: async () => false },
    now: () => NOW,
  };
}

const noChallenge = async (): Promise<Buffer> => {
  throw new Error('join_token must not challenge');
};

describe('join_token attestor', () => {
  it('agent sends the configured token and server consumes it once', async () => {
    const tokens = new MemoryTokens();
    tokens.tokens.set('abc-123', NOW / 1000 + 60);
    const agent = await agentPlugin.create(
      {},
      { trustDomain: 'example.org', logger: silentLogger, joinToken: 'abc-123', now: () => NOW },
    );
    const server = await serverPlugin.create({}, serverDeps(tokens));
    const result = await server.attest(await agent.payload(), noChallenge);
    expect(result).toEqual({
      agentId: 'spiffe://example.org/spire/agent/join_token/abc-123',
      selectors: [],
      canReattest: false,
    });
    await expect(server.attest(Buffer.from('abc-123'), noChallenge)).rejects.toThrow(
      'failed to attest: join token does not exist or has already been used',
    );
  });

  it('rejects an expired token after consuming it', async () => {
    const tokens = new MemoryTokens();
    tokens.tokens.set('old', NOW / 1000 - 1);
    const server = await serverPlugin.create({}, serverDeps(tokens));
    await expect(server.attest(Buffer.from('old'), noChallenge)).rejects.toThrow('join token expired');
    expect(tokens.tokens.has('old')).toBe(false);
  });

  it('rejects payloads that cannot be an ID segment without touching the store', async () => {
    const tokens = new MemoryTokens();
    tokens.tokens.set('..', NOW);
    const server = await serverPlugin.create({}, serverDeps(tokens));
    await expect(server.attest(Buffer.from('a/b'), noChallenge)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(server.attest(Buffer.from(''), noChallenge)).rejects.toThrow('join token payload is empty');
    await expect(server.attest(Buffer.from('..'), noChallenge)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(tokens.tokens.size).toBe(1);
  });

  it('agent half requires a token and both halves reject plugin_data keys', async () => {
    const deps = { trustDomain: 'example.org', logger: silentLogger, now: () => NOW };
    await expect(agentPlugin.create({}, deps)).rejects.toThrow('a join token is required');
    await expect(agentPlugin.create({ x: 1 }, { ...deps, joinToken: 't' })).rejects.toThrow(
      'join_token: unknown configuration detected: section "join_token plugin_data": keys x',
    );
    await expect(serverPlugin.create({ y: true }, serverDeps(new MemoryTokens()))).rejects.toThrow(
      'unknown configuration detected: section "join_token plugin_data": keys y',
    );
  });
});
