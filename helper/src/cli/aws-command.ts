/** `lanyard-helper aws credential-process`: prints AWS `credential_process` JSON. */
import { InvalidArgumentError } from '@lanyard/base';
import type { CliCommand, CommandContext } from '@lanyard/common';
import type { Command } from 'commander';
import { defaultCacheDir } from '../cache/credential-cache';
import { AWS_DEFAULT_AUDIENCE, webIdentityCredentials } from '../aws/credential-process';
import { credentialProcessJson } from '../aws/credentials';
import { createSession } from '../aws/roles-anywhere';
import { WORKLOAD_API_FLAGS, type IdentityFlagSet, type IdentityFlags } from './identity-flags';
import { intFlag } from './flags';
import { reportFailure } from './report';

interface CredentialProcessFlags extends IdentityFlags {
  roleArn?: string;
  audience: string;
  region?: string;
  sessionName?: string;
  stsEndpoint?: string;
  durationSeconds?: string;
  cacheDir?: string;
  cache: boolean;
}

async function credentialProcess(
  flags: CredentialProcessFlags,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): Promise<void> {
  try {
    if (!flags.roleArn) throw new InvalidArgumentError('roleArn is required');
    const credentials = await webIdentityCredentials({
      identity: identityFlags.identity(flags, ctx.io.env),
      roleArn: flags.roleArn,
      audience: flags.audience,
      region: flags.region ?? (ctx.io.env.AWS_REGION || undefined),
      sessionName: flags.sessionName,
      stsEndpoint: flags.stsEndpoint,
      durationSeconds: intFlag('durationSeconds', flags.durationSeconds),
      cacheDir: flags.cache ? (flags.cacheDir ?? defaultCacheDir(ctx.io.env)) : undefined,
    });
    ctx.io.stdout.write(`${credentialProcessJson(credentials)}\n`);
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

interface RolesAnywhereFlags extends IdentityFlags {
  trustAnchorArn?: string;
  profileArn?: string;
  roleArn?: string;
  region?: string;
  endpoint?: string;
  durationSeconds?: string;
  sessionName?: string;
}

async function rolesAnywhere(
  flags: RolesAnywhereFlags,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): Promise<void> {
  try {
    for (const name of ['trustAnchorArn', 'profileArn', 'roleArn'] as const) {
      if (!flags[name]) throw new InvalidArgumentError(`${name} is required`);
    }
    const region = flags.region ?? (ctx.io.env.AWS_REGION || undefined);
    if (!region) throw new InvalidArgumentError('region is required (or AWS_REGION)');
    const svid = await identityFlags.identity(flags, ctx.io.env).fetchX509Svid();
    const credentials = await createSession(
      {
        trustAnchorArn: flags.trustAnchorArn ?? '',
        profileArn: flags.profileArn ?? '',
        roleArn: flags.roleArn ?? '',
        region,
        endpoint: flags.endpoint,
        durationSeconds: intFlag('durationSeconds', flags.durationSeconds),
        sessionName: flags.sessionName,
      },
      svid,
    );
    ctx.io.stdout.write(`${credentialProcessJson(credentials)}\n`);
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

/** Registers `aws credential-process` and `aws roles-anywhere` under `parent`, identity from `identityFlags`. */
export function registerAwsCommands(
  parent: Command,
  ctx: CommandContext,
  identityFlags: IdentityFlagSet,
): void {
  const aws = parent.command('aws').description('AWS credentials from the SPIFFE identity').exitOverride();
  identityFlags
    .add(
      aws
        .command('credential-process')
        .description('Print credential_process JSON after STS AssumeRoleWithWebIdentity with a JWT-SVID')
        .option('--roleArn <arn>', 'IAM role to assume (required)')
        .option('--audience <aud>', 'JWT-SVID audience', AWS_DEFAULT_AUDIENCE)
        .option('--region <region>', 'STS region (default: AWS_REGION, else the global endpoint)')
        .option('--sessionName <name>', 'RoleSessionName (default: derived from the SPIFFE ID)')
        .option('--stsEndpoint <url>', 'STS endpoint URL (default: from the region)')
        .option('--durationSeconds <s>', 'Session duration, 900 to the role maximum'),
    )
    .option('--cacheDir <dir>', 'Credential cache directory (default: $XDG_CACHE_HOME/lanyard-helper)')
    .option('--no-cache', 'Always exchange a fresh token')
    .exitOverride()
    .action((flags: CredentialProcessFlags) => credentialProcess(flags, ctx, identityFlags));
  identityFlags
    .add(
      aws
        .command('roles-anywhere')
        .description(
          'Print credential_process JSON after IAM Roles Anywhere CreateSession with the X.509-SVID',
        )
        .option('--trustAnchorArn <arn>', 'Trust anchor holding the trust domain CA (required)')
        .option('--profileArn <arn>', 'Roles Anywhere profile (required)')
        .option('--roleArn <arn>', 'IAM role (required)')
        .option('--region <region>', 'Region (default: AWS_REGION)')
        .option('--endpoint <url>', 'Endpoint URL (default: https://rolesanywhere.<region>.amazonaws.com)')
        .option('--durationSeconds <s>', 'Session duration, 900..43200')
        .option('--sessionName <name>', 'roleSessionName'),
    )
    .exitOverride()
    .action((flags: RolesAnywhereFlags) => rolesAnywhere(flags, ctx, identityFlags));
}

/** The `aws` command group. */
export const awsCommand: CliCommand = {
  name: 'aws',
  register(program: Command, ctx: CommandContext): void {
    registerAwsCommands(program, ctx, WORKLOAD_API_FLAGS);
  },
};
