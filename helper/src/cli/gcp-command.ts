/** `lanyard-helper gcp executable` and `gcp credential-config`. */
import * as path from 'node:path';
import { InvalidArgumentError, writeFileAtomic } from '@lanyard/base';
import type { CliCommand, CommandContext } from '@lanyard/common';
import type { Command } from 'commander';
import { externalAccountConfig } from '../gcp/credential-config';
import {
  executableFailure,
  executableSuccess,
  executableTokenType,
  isWorkloadProviderAudience,
} from '../gcp/executable';
import { WORKLOAD_API_FLAGS, type IdentityFlagSet, type IdentityFlags } from './identity-flags';
import { intFlag } from './flags';
import { reportFailure } from './report';

/** This binary's entry script (the same path from `src/cli` and `dist/cli`). */
const HELPER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

interface ExecutableFlags extends IdentityFlags {
  audience?: string;
}

async function executable(
  flags: ExecutableFlags,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): Promise<void> {
  const env = ctx.io.env;
  try {
    const audience = flags.audience ?? env.GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE;
    if (!audience) throw new InvalidArgumentError('audience is required');
    if (!isWorkloadProviderAudience(audience)) {
      throw new InvalidArgumentError(`audience "${audience}" is not a workload identity provider name`);
    }
    const svid = await identityFlags.identity(flags, env).fetchJwtSvid(audience);
    const response = JSON.stringify(
      executableSuccess(svid.token, svid.expiry, executableTokenType(env.GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE)),
    );
    if (env.GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE) {
      await writeFileAtomic(env.GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE, response, { mode: 0o600 });
    }
    ctx.io.stdout.write(`${response}\n`);
    ctx.exit(0);
  } catch (err) {
    const code = err instanceof InvalidArgumentError ? 'INVALID_ARGUMENT' : 'WORKLOAD_API_ERROR';
    ctx.io.stdout.write(`${JSON.stringify(executableFailure(code, (err as Error).message))}\n`);
    reportFailure(ctx, err);
  }
}

interface CredentialConfigFlags extends IdentityFlags {
  audience?: string;
  serviceAccount?: string;
  out?: string;
  tokenFile?: string;
  tokenUrl?: string;
  iamCredentialsEndpoint?: string;
  tokenLifetimeSeconds?: string;
  timeoutMillis: string;
  helperCommand?: string;
}

function executableCommand(
  flags: CredentialConfigFlags,
  audience: string,
  identityFlags: IdentityFlagSet,
): string {
  const parts = flags.helperCommand ? [flags.helperCommand] : [process.execPath, HELPER_SCRIPT];
  parts.push(...identityFlags.prefix, 'gcp', 'executable', '-audience', audience);
  parts.push(...identityFlags.args(flags));
  // google-auth-library splits the command on spaces, so no single argument may contain one.
  const spaced = parts.slice(flags.helperCommand ? 1 : 0).find((part) => /\s/.test(part));
  if (spaced !== undefined) {
    throw new InvalidArgumentError(`"${spaced}" contains a space, which the executable command cannot hold`);
  }
  return parts.join(' ');
}

async function credentialConfig(
  flags: CredentialConfigFlags,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): Promise<void> {
  try {
    if (!flags.audience) throw new InvalidArgumentError('audience is required');
    if (!flags.out) throw new InvalidArgumentError('out is required');
    const config = externalAccountConfig({
      audience: flags.audience,
      source: flags.tokenFile
        ? { kind: 'file', path: path.resolve(flags.tokenFile) }
        : {
            kind: 'executable',
            command: executableCommand(flags, flags.audience, identityFlags),
            timeoutMillis: intFlag('timeoutMillis', flags.timeoutMillis) ?? 30000,
          },
      serviceAccount: flags.serviceAccount,
      tokenUrl: flags.tokenUrl,
      iamCredentialsEndpoint: flags.iamCredentialsEndpoint,
      tokenLifetimeSeconds: intFlag('tokenLifetimeSeconds', flags.tokenLifetimeSeconds),
    });
    await writeFileAtomic(flags.out, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

/** Registers `gcp executable` and `gcp credential-config` under `parent`, identity from `identityFlags`. */
export function registerGcpCommands(
  parent: Command,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): void {
  const gcp = parent.command('gcp').description('GCP workload identity federation').exitOverride();
  identityFlags
    .add(
      gcp
        .command('executable')
        .description('Print the executable-sourced credential response google-auth-library reads')
        .option('--audience <aud>', 'Workload identity provider (default: GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE)'),
    )
    .exitOverride()
    .action((flags: ExecutableFlags) => executable(flags, ctx, identityFlags));
  identityFlags
    .add(
      gcp
        .command('credential-config')
        .description('Write the external_account credential file pointing at this helper or a token file')
        .option('--audience <aud>', 'Workload identity provider (required)')
        .option('--out <file>', 'File to write (required)')
        .option('--serviceAccount <email>', 'Service account to impersonate')
        .option('--tokenFile <file>', 'Read the JWT-SVID from this helper-maintained file instead')
        .option('--tokenUrl <url>', 'STS token URL', 'https://sts.googleapis.com/v1/token')
        .option('--iamCredentialsEndpoint <url>', 'IAM Credentials base URL')
        .option('--tokenLifetimeSeconds <s>', 'Impersonated token lifetime')
        .option('--timeoutMillis <ms>', 'Executable timeout', '30000'),
    )
    .option(
      '--helperCommand <cmd>',
      'How google-auth-library runs lanyard-helper (default: node + this script)',
    )
    .exitOverride()
    .action((flags: CredentialConfigFlags) => credentialConfig(flags, ctx, identityFlags));
}

/** The `gcp` command group. */
export const gcpCommand: CliCommand = {
  name: 'gcp',
  register(program: Command, ctx: CommandContext): void {
    registerGcpCommands(program, ctx, WORKLOAD_API_FLAGS);
  },
};
