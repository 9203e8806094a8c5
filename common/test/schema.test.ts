import { ConfigError, assertDecoded, decodeConfig, field, parseConfigText } from '@lanyard/common';

const schema = field.object('top-level', {
  server: field.object(
    'server',
    {
      trust_domain: field.string({ required: 'trust_domain must be configured' }),
      bind_port: field.int({ min: 0, max: 65535 }),
      log_level: field.string({ oneOf: ['DEBUG', 'INFO', 'WARN', 'ERROR'], ignoreCase: true }),
      ca_ttl: field.duration(),
      admin_ids: field.stringList(),
      audit_log_enabled: field.bool(),
      ca_subject: field.object('ca_subject', { common_name: field.string() }),
    },
    'server section must be configured',
  ),
  plugins: field.map(field.map(field.object('plugin', { plugin_data: field.raw(), enabled: field.bool() }))),
});

describe('decodeConfig', () => {
  it('converts values and infers their types from the schema', () => {
    const parsed = parseConfigText(
      'server {\n trust_domain = "td"\n bind_port = "8081"\n log_level = "debug"\n ca_ttl = "2h"\n admin_ids = ["spiffe://td/admin"]\n}\nplugins { NodeAttestor "aws_iid" { plugin_data { x = [1] } } }',
    );
    const value = assertDecoded(decodeConfig(parsed, schema));
    const port: number | undefined = value.server?.bind_port;
    expect(port).toBe(8081);
    expect(value.server).toEqual({
      trust_domain: 'td',
      bind_port: 8081,
      log_level: 'debug',
      ca_ttl: 7_200_000,
      admin_ids: ['spiffe://td/admin'],
    });
    expect(value.plugins?.NodeAttestor.aws_iid.plugin_data).toEqual({ x: [1] });
  });

  it('names the key path and position of a wrong type', () => {
    const parsed = parseConfigText(
      'server {\n  trust_domain = "td"\n  bind_port = "high"\n  audit_log_enabled = "yes"\n}',
    );
    const result = decodeConfig(parsed, schema);
    expect(
      result.issues.map((i) => `${i.path}@${i.position?.line}:${i.position?.column} ${i.message}`),
    ).toEqual(['server.bind_port@3:3 must be an integer', 'server.audit_log_enabled@4:3 must be a boolean']);
    expect(() => assertDecoded(result)).toThrow(
      'server.bind_port (line 3, column 3): must be an integer; server.audit_log_enabled (line 4, column 3): must be a boolean',
    );
  });

  it('reports range, enum and duration problems', () => {
    const parsed = parseConfigText(
      'server {\n trust_domain = "td"\n bind_port = 70000\n log_level = "LOUD"\n ca_ttl = "1d"\n}',
    );
    const messages = decodeConfig(parsed, schema).issues.map((i) => i.message);
    expect(messages).toEqual([
      'must be at most 65535',
      'must be one of DEBUG, INFO, WARN, ERROR (got "LOUD")',
      'invalid duration "1d": missing or unknown unit (use ns, us, ms, s, m or h)',
    ]);
  });

  it("uses SPIRE's messages for missing required keys and sections", () => {
    expect(decodeConfig(parseConfigText('plugins {}'), schema).issues.map((i) => i.message)).toEqual([
      'server section must be configured',
    ]);
    const missing = decodeConfig(parseConfigText('server {\n  bind_port = 1\n}'), schema);
    expect(() => assertDecoded(missing)).toThrow('trust_domain must be configured (line 1, column 1)');
  });

  it('collects unknown keys per section, sorted, with positions', () => {
    const parsed = parseConfigText(
      'server {\n  trust_domain = "td"\n  zz_top = 1\n  bind_adress = "x"\n  ca_subject { cn = "x" }\n}\nextra = true',
    );
    const result = decodeConfig(parsed, schema);
    expect(result.unknown.map((u) => [u.section, u.keys.map((k) => k.path)])).toEqual([
      ['server', ['bind_adress', 'zz_top']],
      ['ca_subject', ['cn']],
      ['top-level', ['extra']],
    ]);
    let error: unknown;
    try {
      assertDecoded(result);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'unknown configuration detected: section "server": keys bind_adress (line 4, column 3), zz_top (line 3, column 3)',
    );
    expect((error as ConfigError).issues).toHaveLength(3);
  });

  it('accepts the list-of-objects JSON form HCL v1 produces for blocks', () => {
    const parsed = parseConfigText('{"server": [{"trust_domain": "td"}, {"bind_port": 1}]}');
    expect(assertDecoded(decodeConfig(parsed, schema)).server).toEqual({ trust_domain: 'td', bind_port: 1 });
  });

  it('rejects a scalar where a block is expected', () => {
    const result = decodeConfig(parseConfigText('server = "x"'), schema);
    expect(result.issues[0]).toMatchObject({ path: 'server', message: 'must be a block (an object)' });
  });
});
