/**
 * Seeded fuzzing of config files through `validate`: token-level HCL mutations and value-level JSON mutations
 * of valid server and agent configs, in process through each CLI's `runCli` (many inputs) and through the real
 * `lanyard-server validate` / `lanyard-agent validate` binaries (a few). Every input must end with exit 0 or
 * with exit 1 and a one-line "configuration file is invalid: …" message; never a crash or a stack trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli as runAgentCli } from '@lanyard/agent';
import { AGENT_BIN, SERVER_BIN, runCommand } from '@lanyard/e2e';
import { runCli as runServerCli } from '@lanyard/server';
import {
  fuzzRuns,
  fuzzSeed,
  mutatedHcl,
  mutatedJson,
  sampleSeeded,
  withSeed,
  type ConfigMutation,
} from '@lanyard/test-support';
import fc from 'fast-check';
import { shortTempDir } from './support/cluster';
import { recordFuzzFigures } from './support/figures';

const SEED = fuzzSeed();
const RUNS = fuzzRuns(150, 3000);
const BINARY_RUNS = fuzzRuns(3, 20);
const dir = shortTempDir('lycfg-');
const bundle = path.join(dir, 'bundle.pem');
fs.writeFileSync(bundle, '');

const SERVER_HCL = `server {
  bind_address = "127.0.0.1"
  bind_port = "8081"
  socket_path = "${dir}/api.sock"
  trust_domain = "example.org"
  data_dir = "${dir}/data"
  log_level = "INFO"
  ca_ttl = "24h"
  default_x509_svid_ttl = "1h"
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${dir}/data/datastore.sqlite3"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
`;

const AGENT_HCL = `agent {
  data_dir = "${dir}/agent"
  log_level = "INFO"
  server_address = "127.0.0.1"
  server_port = "8081"
  socket_path = "${dir}/agent.sock"
  trust_bundle_path = "${bundle}"
  trust_domain = "example.org"
}

plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`;

/** The JSON form of each config (SPIRE accepts both). */
const SERVER_JSON = {
  server: {
    bind_address: '127.0.0.1',
    bind_port: 8081,
    socket_path: `${dir}/api.sock`,
    trust_domain: 'example.org',
    data_dir: `${dir}/data`,
  },
  plugins: {
    DataStore: [
      { sql: { plugin_data: { database_type: 'sqlite3', connection_string: `${dir}/data/ds.sqlite3` } } },
    ],
    KeyManager: [{ memory: { plugin_data: {} } }],
    NodeAttestor: [{ join_token: { plugin_data: {} } }],
  },
};
const AGENT_JSON = {
  agent: {
    data_dir: `${dir}/agent`,
    server_address: '127.0.0.1',
    server_port: 8081,
    socket_path: `${dir}/agent.sock`,
    trust_bundle_path: bundle,
    trust_domain: 'example.org',
  },
  plugins: {
    NodeAttestor: [{ join_token: { plugin_data: {} } }],
    KeyManager: [{ memory: { plugin_data: {} } }],
    WorkloadAttestor: [{ unix: { plugin_data: {} } }],
  },
};

const STACK_TRACE =
  /\n\s+at .+:\d+:\d+|TypeError|RangeError|ReferenceError|Cannot read properties|is not a function/;

type Cli = (
  argv: string[],
  io: { stdout: PassThrough; stderr: PassThrough; env: NodeJS.ProcessEnv; stopSignal: () => Promise<string> },
) => Promise<number>;

async function validateInProcess(cli: Cli, file: string): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  stdout.resume();
  const code = await cli(['validate', '-config', file], {
    stdout,
    stderr,
    env: {},
    stopSignal: () => new Promise(() => undefined),
  });
  return { code, stderr: Buffer.concat(chunks).toString() };
}

function check(
  what: string,
  m: ConfigMutation,
  code: number | null,
  stderr: string,
  outcomes: Map<string, number>,
): void {
  const errors = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
  const key = code === 0 ? 'valid' : 'invalid';
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const fine =
    (code === 0 && errors.length === 0) ||
    (code === 1 &&
      errors.length === 1 &&
      /configuration file is invalid: \S/.test(errors[0]) &&
      !STACK_TRACE.test(stderr));
  if (!fine)
    throw new Error(`${what} ${m.kind}: exit ${code}\n${stderr}\n--- input ---\n${m.text.slice(0, 2000)}`);
}

function inputs(
  hcl: string,
  json: object,
  salt: number,
  runs: number,
): Array<ConfigMutation & { ext: string }> {
  const arb = fc.oneof(
    mutatedHcl(hcl).map((m) => ({ ...m, ext: 'conf' })),
    mutatedJson(json).map((m) => ({ ...m, ext: 'json' })),
  );
  return sampleSeeded(arb, SEED + salt, runs);
}

for (const [name, cli, hcl, json, salt] of [
  ['server', runServerCli, SERVER_HCL, SERVER_JSON, 0],
  ['agent', runAgentCli, AGENT_HCL, AGENT_JSON, 1],
] as const) {
  test(`${name} validate: mutated HCL and JSON configs give exit 0 or one clear error, never a stack trace`, async () => {
    await withSeed(SEED, async () => {
      const outcomes = new Map<string, number>();
      for (const [ext, text] of [
        ['conf', hcl],
        ['json', JSON.stringify(json)],
      ] as const) {
        const file = path.join(dir, `${name}-seed.${ext}`);
        fs.writeFileSync(file, text, { mode: 0o600 });
        expect(await validateInProcess(cli as Cli, file)).toEqual({ code: 0, stderr: '' });
      }
      for (const [index, m] of inputs(hcl, json, salt, RUNS).entries()) {
        const file = path.join(dir, `${name}-${index}.${m.ext}`);
        fs.writeFileSync(file, m.text, { mode: 0o600 });
        const { code, stderr } = await validateInProcess(cli as Cli, file);
        check(name, m, code, stderr, outcomes);
        fs.rmSync(file);
      }
      const bin = name === 'server' ? SERVER_BIN : AGENT_BIN;
      for (const [index, m] of inputs(hcl, json, salt + 100, BINARY_RUNS).entries()) {
        const file = path.join(dir, `${name}-bin-${index}.${m.ext}`);
        fs.writeFileSync(file, m.text, { mode: 0o600 });
        const result = await runCommand(process.execPath, [bin, 'validate', '-config', file], {
          timeoutMs: 60_000,
        });
        check(`lanyard-${name} binary`, m, result.code, result.stderr, outcomes);
      }
      expect(outcomes.get('invalid')).toBeGreaterThan(0);
      recordFuzzFigures(`lanyard-${name} validate (HCL + JSON, in process + binary)`, {
        seed: SEED,
        inputs: [...outcomes.values()].reduce((a, b) => a + b, 0),
        outcomes: Object.fromEntries(outcomes),
      });
    });
  }, 300_000);
}
