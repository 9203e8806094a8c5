/** The `sds {}` block, `disable_sds_api` and `-disableSDSAPI`, as the agent's config loader reads them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { normalizeGoFlags } from '@lanyard/common';
import { SDS_SAME_NAMES_WARNING, parseAgentConfig } from '../../../src/config';
import { agentConfigOptions, loadConfigWithFlags, type AgentConfigFlags } from '../../../src/cli/run';

const BASE = `agent {
  data_dir = "/var/lib/lanyard"
  server_address = "spire-server"
  server_port = 8081
  trust_bundle_path = "/etc/bundle.pem"
  trust_domain = "example.org"
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "disk" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
}
`;

function withAgent(lines: string): string {
  return BASE.replace('agent {\n', `agent {\n${lines}\n`);
}

test('SDS is on by default with SPIRE default names', () => {
  const { config, warnings } = parseAgentConfig(BASE);
  expect(config.agent.disableSdsApi).toBe(false);
  expect(config.agent.sds).toEqual({
    defaultSvidName: 'default',
    defaultBundleName: 'ROOTCA',
    defaultAllBundlesName: 'ALL',
    disableSpiffeCertValidation: false,
  });
  expect(warnings).toEqual([]);
});

test('the sds block and disable_sds_api are read', () => {
  const text = withAgent(`disable_sds_api = true
sds {
  default_svid_name = "svid"
  default_bundle_name = "roots"
  default_all_bundles_name = "every"
  disable_spiffe_cert_validation = true
}`);
  const { config, warnings } = parseAgentConfig(text);
  expect(config.agent.disableSdsApi).toBe(true);
  expect(config.agent.sds).toEqual({
    defaultSvidName: 'svid',
    defaultBundleName: 'roots',
    defaultAllBundlesName: 'every',
    disableSpiffeCertValidation: true,
  });
  expect(warnings).toEqual([]);
});

test('equal bundle names are accepted with SPIRE start-up warning', () => {
  const { warnings } = parseAgentConfig(withAgent('sds {\n default_all_bundles_name = "ROOTCA"\n}'));
  expect(warnings).toEqual([SDS_SAME_NAMES_WARNING]);
});

test('an unknown key in sds {} is reported by name; a wrong type names the key', () => {
  expect(() => parseAgentConfig(withAgent('sds {\n default_svid = "x"\n}'))).toThrow(/default_svid/);
  expect(() => parseAgentConfig(withAgent('sds {\n disable_spiffe_cert_validation = "maybe"\n}'))).toThrow(
    /disable_spiffe_cert_validation/,
  );
});

test('-disableSDSAPI on the command line turns SDS off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-sds-conf-'));
  const file = path.join(dir, 'agent.conf');
  fs.writeFileSync(file, BASE, { mode: 0o600 });
  const parse = (argv: string[]): AgentConfigFlags => {
    const cmd = new Command('run').exitOverride();
    for (const option of agentConfigOptions()) cmd.addOption(option);
    cmd.parse(normalizeGoFlags(argv, cmd), { from: 'user' });
    return cmd.opts<AgentConfigFlags>();
  };
  try {
    expect(loadConfigWithFlags(parse(['-config', file]), {}).config.agent.disableSdsApi).toBe(false);
    expect(
      loadConfigWithFlags(parse(['-config', file, '-disableSDSAPI']), {}).config.agent.disableSdsApi,
    ).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
