/**
 * `import-spire`: brings a SPIRE server's datastore (SQLite or PostgreSQL) and disk KeyManager keys into the
 * Lanyard server described by `-config`, so agents keep their SVIDs and trust. `-dryRun` prints the plan only.
 * Stop both servers first.
 */
import { Option, type Command } from 'commander';
import { silentLogger } from '@lanyard/attestor-core';
import { DiskKeyManager } from '../../ca';
import { openDataStore } from '../../datastore';
import { applyImport, checkEmptyTarget } from '../../import-spire/apply';
import { planImport } from '../../import-spire/plan';
import { reportObject, reportText } from '../../import-spire/report';
import { readSpireKeys } from '../../import-spire/spire-ca';
import { openSpireDatabase } from '../../import-spire/spire-database';
import { readSpireSnapshot } from '../../import-spire/spire-snapshot';
import { serverOptionsFromConfig } from '../../server-options';
import { printCommandError } from '../output';
import { configOption, expandEnvOption } from '../flags';
import type { CliCommand, CommandContext } from '../registry';
import { loadConfigWithFlags, type ConfigFlags } from '../server-config';
import { outputOption } from './support/api-command';
import type { OutputFormat } from '@lanyard/common';

interface ImportFlags extends ConfigFlags {
  database: string;
  databaseType: string;
  keys: string;
  dryRun: boolean;
  output?: OutputFormat;
}

async function importSpire(flags: ImportFlags, ctx: CommandContext): Promise<number> {
  const { config } = loadConfigWithFlags(flags, ctx.io.env);
  const keys = await readSpireKeys(flags.keys);
  const spire = await openSpireDatabase(flags.databaseType, flags.database);
  const snapshot = await readSpireSnapshot(spire).finally(() => spire.close());
  const plan = planImport(snapshot, keys, config.server.trustDomain, Math.floor(Date.now() / 1000));
  const options = await serverOptionsFromConfig(config, silentLogger);
  const datastore = await openDataStore({ ...options.datastore, logger: silentLogger });
  try {
    const keyManager = options.ca.keyManager;
    await checkEmptyTarget(datastore, keyManager, config.server.dataDir);
    const result = flags.dryRun
      ? undefined
      : await applyImport(plan, {
          datastore,
          keyManager: keyManager as DiskKeyManager,
          dataDir: config.server.dataDir,
        });
    if (flags.output === 'json')
      ctx.io.stdout.write(`${JSON.stringify(reportObject(plan, result), null, 2)}\n`);
    else ctx.io.stdout.write(reportText(plan, result));
    return 0;
  } finally {
    await datastore.close();
  }
}

/** Registration of `import-spire`. */
export const importSpireCommand: CliCommand = {
  name: 'import-spire',
  register(program: Command, ctx: CommandContext): void {
    const cmd = program
      .command('import-spire')
      .description("Imports a SPIRE server's datastore and CA keys into this Lanyard server")
      .addOption(configOption())
      .addOption(expandEnvOption())
      .addOption(new Option('--dataDir <dir>', 'Lanyard data directory (overrides data_dir)'))
      .addOption(new Option('--database <connection>', 'SPIRE datastore: SQLite file path or PostgreSQL URI'))
      .addOption(
        new Option('--databaseType <type>', 'SPIRE datastore type')
          .choices(['sqlite3', 'postgres'])
          .default('sqlite3'),
      )
      .addOption(new Option('--keys <file>', "SPIRE's disk KeyManager keys.json"))
      .addOption(new Option('--dryRun', 'print what would be imported and write nothing').default(false))
      .addOption(outputOption());
    cmd.action(async (flags: ImportFlags) => {
      try {
        ctx.exit(await importSpire(flags, ctx));
      } catch (err) {
        ctx.exit(printCommandError(ctx.io.stderr, err));
      }
    });
  },
};
