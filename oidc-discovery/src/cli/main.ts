#!/usr/bin/env node
/**
 * `lanyard-oidc-discovery-provider -config oidc-discovery-provider.conf [-expandEnv]`: runs until SIGINT or
 * SIGTERM. A bad config prints every problem and exits 1.
 */
import { Command } from 'commander';
import { runCommander } from '@lanyard/common';
import { loadOidcConfig } from '../config/load';
import { startProvider } from '../provider';

/** SPIRE's default config path. */
const DEFAULT_CONFIG = 'oidc-discovery-provider.conf';

async function run(options: { config: string; expandEnv: boolean }): Promise<void> {
  const config = loadOidcConfig(options.config, { expandEnv: options.expandEnv });
  const provider = await startProvider(config);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await provider.close();
}

const program = new Command('lanyard-oidc-discovery-provider')
  .description('Serves the trust domain JWT keys as an OIDC discovery document and JWKS')
  .option('--config <path>', 'Path to the HCL configuration file', DEFAULT_CONFIG)
  .option('--expandEnv', 'Expand environment variables in the config file', false)
  .exitOverride()
  .action(run);

void runCommander(
  program,
  process.argv.slice(2).length ? process.argv.slice(2) : ['-config', DEFAULT_CONFIG],
  process.stderr,
  () => 0,
  'Error: ',
).then((code) => {
  process.exitCode = code;
});
