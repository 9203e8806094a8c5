/** `lanyard-helper azure env`: prints the variables `WorkloadIdentityCredential` reads. */
import * as path from 'node:path';
import { InvalidArgumentError } from '@lanyard/base';
import type { CliCommand, CommandContext } from '@lanyard/common';
import type { Command } from 'commander';
import { azureEnvironment, shellExports } from '../azure/env';
import { reportFailure } from './report';

interface AzureEnvFlags {
  tenantId?: string;
  clientId?: string;
  tokenFile?: string;
  authorityHost?: string;
}

function azureEnv(flags: AzureEnvFlags, ctx: CommandContext): void {
  try {
    if (!flags.tenantId) throw new InvalidArgumentError('tenantId is required');
    if (!flags.clientId) throw new InvalidArgumentError('clientId is required');
    if (!flags.tokenFile) throw new InvalidArgumentError('tokenFile is required');
    const vars = azureEnvironment({
      tenantId: flags.tenantId,
      clientId: flags.clientId,
      tokenFile: path.resolve(flags.tokenFile),
      authorityHost: flags.authorityHost,
    });
    ctx.io.stdout.write(shellExports(vars));
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

/** The `azure` command group. */
export const azureCommand: CliCommand = {
  name: 'azure',
  register(program: Command, ctx: CommandContext): void {
    const azure = program.command('azure').description('Azure (Entra ID) workload identity federation');
    azure
      .command('env')
      .description('Print the AZURE_* variables to export for WorkloadIdentityCredential')
      .option('--tenantId <id>', 'Tenant GUID or domain (required)')
      .option('--clientId <id>', 'Application (client) ID (required)')
      .option('--tokenFile <file>', 'The JWT-SVID file a jwt_svids entry keeps fresh (required)')
      .option('--authorityHost <url>', 'Entra authority host (default: the SDK default)')
      .exitOverride()
      .action((flags: AzureEnvFlags) => azureEnv(flags, ctx));
  },
};
