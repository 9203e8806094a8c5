import { StatusCode } from '@lanyard/base';
import {
  AGENT_PLUGIN_CARDINALITY,
  AT_LEAST_ONE,
  DuplicatePluginError,
  EXACTLY_ONE,
  MAYBE_ONE,
  PluginCatalog,
  PluginConstraintError,
  SERVER_PLUGIN_CARDINALITY,
  UnknownPluginError,
  ZERO_OR_MORE,
  agentCatalog,
  cardinalityViolation,
  checkPluginCounts,
  findPlugin,
  serverCatalog,
  type ConfigIssue,
} from '@lanyard/common';

interface Greeter {
  readonly name: string;
  greet(who: string): string;
}

const hello: Greeter = { name: 'hello', greet: (who) => `hello ${who}` };
const hi: Greeter = { name: 'hi', greet: (who) => `hi ${who}` };

describe('cardinality', () => {
  it.each([
    [EXACTLY_ONE, 0, 'expected exactly 1 but got 0'],
    [EXACTLY_ONE, 1, undefined],
    [EXACTLY_ONE, 2, 'expected exactly 1 but got 2'],
    [MAYBE_ONE, 0, undefined],
    [MAYBE_ONE, 2, 'expected at most 1 but got 2'],
    [AT_LEAST_ONE, 0, 'expected at least 1 but got 0'],
    [AT_LEAST_ONE, 5, undefined],
    [ZERO_OR_MORE, 0, undefined],
    [ZERO_OR_MORE, 9, undefined],
  ])('%j with %d plugins -> %s', (cardinality, count, expected) => {
    expect(cardinalityViolation(cardinality, count)).toBe(expected);
  });

  it('follows SPIRE per process', () => {
    expect(SERVER_PLUGIN_CARDINALITY).toEqual({
      DataStore: EXACTLY_ONE,
      KeyManager: EXACTLY_ONE,
      NodeAttestor: ZERO_OR_MORE,
      UpstreamAuthority: MAYBE_ONE,
      Notifier: ZERO_OR_MORE,
      BundlePublisher: ZERO_OR_MORE,
      CredentialComposer: ZERO_OR_MORE,
    });
    expect(AGENT_PLUGIN_CARDINALITY).toEqual({
      KeyManager: EXACTLY_ONE,
      NodeAttestor: EXACTLY_ONE,
      WorkloadAttestor: AT_LEAST_ONE,
      SVIDStore: ZERO_OR_MORE,
    });
  });
});

describe('PluginCatalog', () => {
  const catalog = agentCatalog('WorkloadAttestor', [hi, hello]);

  it('looks plugins up by name and lists the names sorted', () => {
    expect(catalog.names()).toEqual(['hello', 'hi']);
    expect(catalog.get('hi').greet('you')).toBe('hi you');
    expect(catalog.find('nope')).toBeUndefined();
  });

  it('rejects an unknown name with SPIRE wording and InvalidArgument, on every catalog', () => {
    for (const c of [catalog, serverCatalog('NodeAttestor', [hello])]) {
      let error: unknown;
      try {
        c.get('tpm_devid');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UnknownPluginError);
      expect((error as UnknownPluginError).message).toBe(
        `no built-in plugin "tpm_devid" for type "${c.type}"`,
      );
      expect((error as UnknownPluginError).grpcStatus).toBe(StatusCode.INVALID_ARGUMENT);
      expect((error as UnknownPluginError).known).toEqual(c.names());
    }
  });

  it('refuses two built-ins with one name', () => {
    expect(() => new PluginCatalog('Notifier', ZERO_OR_MORE, [hi, hi])).toThrow(
      'built-in Notifier plugin "hi" is registered twice',
    );
  });

  it('loads enabled blocks in order and skips disabled ones', async () => {
    const loaded = await catalog.load(
      [
        { name: 'hi', who: 'a' },
        { name: 'hello', who: 'b', enabled: false },
      ],
      async (plugin, block) => plugin.greet(block.who),
    );
    expect([...loaded]).toEqual([['hi', 'hi a']]);
  });

  it('rejects duplicates, unknown names and counts that break the cardinality', async () => {
    const create = async (plugin: Greeter): Promise<string> => plugin.greet('x');
    await expect(catalog.load([{ name: 'hi' }, { name: 'hi' }], create)).rejects.toThrow(
      new DuplicatePluginError('WorkloadAttestor', 'hi'),
    );
    await expect(catalog.load([{ name: 'ho' }], create)).rejects.toThrow(
      'no built-in plugin "ho" for type "WorkloadAttestor"',
    );
    const none = catalog.load([{ name: 'hi', enabled: false }], create);
    await expect(none).rejects.toBeInstanceOf(PluginConstraintError);
    await expect(none).rejects.toThrow(
      'plugin type "WorkloadAttestor" constraint not satisfied: expected at least 1 but got 0',
    );
    const single = agentCatalog('NodeAttestor', [hi, hello]);
    await expect(single.load([{ name: 'hi' }, { name: 'hello' }], create)).rejects.toThrow(
      'plugin type "NodeAttestor" constraint not satisfied: expected exactly 1 but got 2',
    );
  });
});

describe('config checks', () => {
  it('records wrong counts and unknown names at the plugin block', () => {
    const positions = new Map([['plugins.KeyManager.vault', { line: 3, column: 14 }]]);
    const issues: ConfigIssue[] = [];
    checkPluginCounts(
      AGENT_PLUGIN_CARDINALITY,
      {
        KeyManager: { vault: {}, disk: {} },
        NodeAttestor: { join_token: {}, other: { enabled: false } },
      },
      issues,
      positions,
    );
    const keyManagers = agentCatalog('KeyManager', [{ name: 'disk' }, { name: 'memory' }]);
    expect(findPlugin(keyManagers, 'vault', issues, positions)).toBeUndefined();
    expect(findPlugin(keyManagers, 'disk', issues, positions)).toEqual({ name: 'disk' });
    expect(issues).toEqual([
      {
        path: 'plugins.KeyManager',
        position: undefined,
        message: 'plugin type "KeyManager" constraint not satisfied: expected exactly 1 but got 2',
      },
      {
        path: 'plugins.WorkloadAttestor',
        position: undefined,
        message: 'plugin type "WorkloadAttestor" constraint not satisfied: expected at least 1 but got 0',
      },
      {
        path: 'plugins.KeyManager.vault',
        position: { line: 3, column: 14 },
        message: 'no built-in plugin "vault" for type "KeyManager"',
      },
    ]);
  });
});
