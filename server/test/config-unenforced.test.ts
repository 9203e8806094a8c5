/**
 * Keys accepted without effect give one start-up warning each; keys whose policy Lanyard cannot honour are
 * refused with an error naming them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { ConfigError } from '@lanyard/common';
import { parseServerConfig } from '../src/config';
import { SERVER_INERT_KEYS } from '../src/config/unenforced-keys';
import type { CliIo } from '../src/cli/io';
import { runCli } from '../src/cli/program';
import { minimalServerConf as conf } from './config-fixtures';

const noEffect = (key: string) =>
  expect.stringMatching(
    new RegExp(
      `^${key.replace(/\./g, '\\.')} is accepted for SPIRE compatibility but has no effect in Lanyard: `,
    ),
  );

function refusal(text: string): string {
  try {
    parseServerConfig(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).grpcStatus).toBe(3);
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('server keys without effect', () => {
  it('warns once per inert key that is set, naming it', () => {
    const { warnings } = parseServerConfig(
      conf(`  max_attested_node_info_staleness = "30s"
  proxy_protocol_trusted_cidrs = ["10.0.0.0/8"]
  profiling_enabled = true
  profiling_port = 6060
  experimental {
    events_based_cache = false
    named_pipe_name = "\\\\spire-server\\\\private\\\\api"
  }`),
    );
    const keys = [
      'server.max_attested_node_info_staleness',
      'server.proxy_protocol_trusted_cidrs',
      'server.profiling_enabled',
      'server.profiling_port',
      'server.experimental.events_based_cache',
      'server.experimental.named_pipe_name',
    ];
    for (const key of keys) expect(warnings.filter((w) => w.startsWith(`${key} `))).toEqual([noEffect(key)]);
  });

  it('says nothing for a config that sets none of them, or sets them to what Lanyard does anyway', () => {
    const { warnings } = parseServerConfig(
      conf('  profiling_enabled = false\n  experimental { events_based_cache = true }'),
    );
    expect(warnings.filter((w) => w.includes('has no effect'))).toEqual([]);
    expect(SERVER_INERT_KEYS.map((k) => k.path.join('.'))).not.toContain('server.ratelimit');
  });

  it('keys other helpers own or that now work are not in the table', () => {
    const listed = SERVER_INERT_KEYS.map((k) => k.path.join('.'));
    for (const key of [
      'ratelimit',
      'experimental.prune_events_older_than',
      'experimental.cache_reload_interval',
    ])
      expect(listed).not.toContain(`server.${key}`);
  });

  it('maps experimental.cache_reload_interval to the entry cache poll period', () => {
    const { config } = parseServerConfig(conf('  experimental { cache_reload_interval = "2s" }'));
    expect(config.server.experimental.cacheReloadIntervalMs).toBe(2000);
    expect(parseServerConfig(conf()).config.server.experimental.cacheReloadIntervalMs).toBeUndefined();
  });
});

describe('server keys refused', () => {
  it('refuses experimental.auth_opa_policy_engine, naming it and the policy Lanyard enforces', () => {
    const message = refusal(
      conf(
        '  experimental {\n    auth_opa_policy_engine {\n      local { rego_path = "/x.rego" }\n    }\n  }',
      ),
    );
    expect(message).toMatch(
      /server\.experimental\.auth_opa_policy_engine \(line \d+, column \d+\): is not supported/,
    );
    expect(message).toContain("SPIRE's default authorization policy only");
  });

  it('refuses require_pq_kem = true and accepts false', () => {
    const message = refusal(conf('  experimental { require_pq_kem = true }'));
    expect(message).toMatch(
      /server\.experimental\.require_pq_kem \(line \d+, column \d+\): cannot be honoured/,
    );
    expect(message).toContain(process.versions.openssl);
    expect(() => parseServerConfig(conf('  experimental { require_pq_kem = false }'))).not.toThrow();
  });
});

describe('lanyard-server validate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the same warnings as run would log', async () => {
    const file = path.join(dir, 'server.conf');
    writeFileSync(file, conf('  proxy_protocol_trusted_cidrs = ["10.0.0.0/8"]'));
    const out: string[] = [];
    const err: string[] = [];
    const stdout = new PassThrough().on('data', (d: Buffer) => out.push(d.toString()));
    const stderr = new PassThrough().on('data', (d: Buffer) => err.push(d.toString()));
    const io: CliIo = { stdout, stderr, env: {}, stopSignal: () => new Promise(() => undefined) };
    expect(await runCli(['validate', '-config', file], io)).toBe(0);
    expect(out.join('')).toBe('SPIRE server configuration file is valid.\n');
    expect(
      err
        .join('')
        .split('\n')
        .filter((l) => l.includes('proxy_protocol_trusted_cidrs')),
    ).toEqual([
      expect.stringMatching(
        /^warning: server\.proxy_protocol_trusted_cidrs is accepted for SPIRE compatibility/,
      ),
    ]);
  });
});
