/**
 * `lanyard-helper managed …`: identities for workloads on managed runtimes without an agent (Lambda, Azure
 * Functions, Cloud Run), proved with the runtime's own cloud identity to the server's `managed_workloads`
 * listener. `managed jwt` and `managed x509` print or write SVIDs; `managed aws …` and `managed gcp …` are the
 * cloud-credential commands with this identity instead of the Workload API's.
 */
import * as path from 'node:path';
import { InvalidArgumentError, writeFileAtomic } from '@lanyard/base';
import type { CliCommand, CommandContext } from '@lanyard/common';
import { certificatesToPem } from '@lanyard/spiffe';
import type { Command } from 'commander';
import { managedClient, managedIdentity } from '../identity/managed';
import { registerAwsCommands } from './aws-command';
import { registerGcpCommands } from './gcp-command';
import { MANAGED_FLAGS, addManagedFlags, managedSettings, type IdentityFlags } from './identity-flags';
import { reportFailure } from './report';

interface JwtFlags extends IdentityFlags {
  audience?: string[];
  out?: string;
}

async function fetchJwt(flags: JwtFlags, ctx: CommandContext): Promise<void> {
  try {
    const [audience, ...extra] = flags.audience ?? [];
    if (!audience) throw new InvalidArgumentError('audience is required');
    const svid = await managedIdentity(managedSettings(flags, ctx.io.env)).fetchJwtSvid(audience, extra);
    if (flags.out) await writeFileAtomic(flags.out, svid.token, { mode: 0o600 });
    else ctx.io.stdout.write(`${svid.token}\n`);
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

interface X509Flags extends IdentityFlags {
  certDir?: string;
}

/** spiffe-helper's default file names. */
const X509_FILES = { svid: 'svid.pem', key: 'svid_key.pem', bundle: 'svid_bundle.pem' } as const;

async function fetchX509(flags: X509Flags, ctx: CommandContext): Promise<void> {
  try {
    if (!flags.certDir) throw new InvalidArgumentError('certDir is required');
    const settings = managedSettings(flags, ctx.io.env);
    const spiffeId = settings.spiffeId;
    const { svids, bundle } = await managedClient(settings).fetchX509Svids();
    const svid = spiffeId ? svids.find((s) => s.id.toString() === spiffeId) : svids[0];
    if (!svid) throw new InvalidArgumentError(`the server issued no X.509-SVID for "${spiffeId ?? ''}"`);
    const key = svid.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFileAtomic(path.join(flags.certDir, X509_FILES.key), key, { mode: 0o600 });
    await writeFileAtomic(path.join(flags.certDir, X509_FILES.svid), certificatesToPem(svid.certificates), {
      mode: 0o644,
    });
    await writeFileAtomic(
      path.join(flags.certDir, X509_FILES.bundle),
      certificatesToPem(bundle.x509Authorities),
      {
        mode: 0o644,
      },
    );
    ctx.io.stdout.write(`${svid.id.toString()} until ${svid.expiresAt.toISOString()}\n`);
    ctx.exit(0);
  } catch (err) {
    reportFailure(ctx, err);
  }
}

/** The `managed` command group. */
export const managedCommand: CliCommand = {
  name: 'managed',
  register(program: Command, ctx: CommandContext): void {
    const managed = program
      .command('managed')
      .description('SVIDs and cloud credentials on managed runtimes, proved with the runtime identity');
    addManagedFlags(
      managed
        .command('jwt')
        .description('Print (or write) a JWT-SVID for the audience')
        .option('--audience <aud...>', 'JWT-SVID audience; repeat for more (required)')
        .option('--out <file>', 'Write the bare token to this file (0600) instead of stdout'),
    )
      .exitOverride()
      .action((flags: JwtFlags) => fetchJwt(flags, ctx));
    addManagedFlags(
      managed
        .command('x509')
        .description('Write svid.pem, svid_key.pem and svid_bundle.pem for a new key')
        .option('--certDir <dir>', 'Directory to write the files to (required)'),
    )
      .exitOverride()
      .action((flags: X509Flags) => fetchX509(flags, ctx));
    registerAwsCommands(managed, ctx, MANAGED_FLAGS);
    registerGcpCommands(managed, ctx, MANAGED_FLAGS);
  },
};
