import {
  ConfigError,
  collectPluginData,
  decodePluginData,
  field,
  parseConfigText,
  readPluginData,
  type ConfigIssue,
  type PluginBlock,
} from '@lanyard/common';

const FIELDS = {
  region: field.string({ required: 'region must be configured' }),
  timeout: field.duration(),
  retries: field.int({ min: 1 }),
  tags: field.stringList(),
};

function pluginData(hcl: string): Record<string, unknown> {
  const parsed = parseConfigText(hcl);
  const plugins = parsed.value.plugins as Record<string, Record<string, PluginBlock>>;
  const issues: ConfigIssue[] = [];
  const data = readPluginData('NodeAttestor', 'demo', plugins.NodeAttestor.demo, issues, parsed.positions);
  expect(issues).toEqual([]);
  return data;
}

describe('decodePluginData', () => {
  it('decodes typed values', () => {
    const data = pluginData(
      'plugins {\n  NodeAttestor "demo" {\n    plugin_data {\n      region = "eu"\n      timeout = "5s"\n' +
        '      retries = 3\n      tags = ["a", "b"]\n    }\n  }\n}\n',
    );
    expect(decodePluginData('demo', data, FIELDS)).toEqual({
      region: 'eu',
      timeout: 5000,
      retries: 3,
      tags: ['a', 'b'],
    });
    expect(JSON.stringify(data)).toBe('{"region":"eu","timeout":"5s","retries":3,"tags":["a","b"]}');
  });

  it('reports two bad keys and an unknown one at once, each with its position', () => {
    const data = pluginData(
      [
        'plugins {',
        '  NodeAttestor "demo" {',
        '    plugin_data {',
        '      region = "eu"',
        '      timeout = "5 days"',
        '      retries = 0',
        '      colour = "blue"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    let error: unknown;
    try {
      decodePluginData('demo', data, FIELDS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toHaveLength(3);
    expect((error as Error).message).toBe(
      'demo: plugin_data.timeout (line 5, column 7): invalid duration "5 days": missing or unknown unit ' +
        '(use ns, us, ms, s, m or h); plugin_data.retries (line 6, column 7): must be at least 1; ' +
        'unknown configuration detected: section "demo plugin_data": keys colour (line 7, column 7)',
    );
  });

  it('names a missing required key, and works on data without positions', () => {
    expect(() => decodePluginData('demo', { retries: 'x' }, FIELDS)).toThrow(
      'demo: plugin_data.retries: must be an integer; region must be configured',
    );
  });
});

describe('collectPluginData', () => {
  it('appends every problem under the plugin block path and returns undefined', () => {
    const data = pluginData(
      'plugins {\n  NodeAttestor "demo" {\n    plugin_data {\n      retries = 0\n      colour = "blue"\n    }\n  }\n}\n',
    );
    const issues: ConfigIssue[] = [];
    expect(collectPluginData(data, FIELDS, ['plugins', 'NodeAttestor', 'demo'], issues)).toBeUndefined();
    expect(new ConfigError(issues).message).toBe(
      'plugins.NodeAttestor.demo.plugin_data.retries (line 4, column 7): must be at least 1; ' +
        'plugins.NodeAttestor.demo.plugin_data.region: region must be configured; ' +
        'unknown configuration detected: section "plugins.NodeAttestor.demo.plugin_data": keys colour ' +
        '(line 5, column 7)',
    );
  });

  it('returns the decoded settings when nothing is wrong', () => {
    const issues: ConfigIssue[] = [];
    expect(collectPluginData({ region: 'eu' }, FIELDS, ['plugins', 'X', 'y'], issues)).toEqual({
      region: 'eu',
    });
    expect(issues).toEqual([]);
  });
});
