import type { Command } from 'commander';
import { Option } from 'commander';
import { isServiceError } from '@lanyard/base/grpc';
import { printResult } from '@lanyard/common';
import type { JWTBundlesResponse__Output, JWTSVIDResponse__Output } from '@lanyard/proto';
import type { CommandContext } from '../registry';
import { addApiFlags, withApiClient, type ApiFlags } from './flags';

interface FetchJwtFlags extends ApiFlags {
  audience: string[];
  spiffeID?: string;
}

/** Collects `-audience a,b` (comma list; may be repeated). */
function collectAudience(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((a) => a !== '')];
}

function formatJwt(svids: JWTSVIDResponse__Output, bundles: JWTBundlesResponse__Output): string {
  const out: string[] = [];
  for (const svid of svids.svids) {
    out.push(`token(${svid.spiffe_id}):\n\t${svid.svid}\n`);
    if (svid.hint !== '') out.push(`hint(${svid.spiffe_id}):\n\t${svid.hint}\n`);
  }
  for (const [td, jwks] of Object.entries(bundles.bundles))
    out.push(`bundle(${td}):\n\t${jwks.toString('utf8')}\n`);
  return out.join('');
}

/**
 * `api fetch jwt -audience a,b [-spiffeID id]`: JWT bundles first, then the JWT-SVIDs (SPIRE's order). JSON output
 * is `[JWTSVIDResponse, JWTBundlesResponse]` with proto field names and bytes in base64, as SPIRE prints it.
 */
export function registerFetchJwt(fetch: Command, ctx: CommandContext): void {
  const command = fetch
    .command('jwt')
    .description('Fetches a JWT SVID from the Workload API')
    .addOption(
      new Option('--audience <list>', 'comma separated list of audience values')
        .argParser(collectAudience)
        .default([]),
    )
    .addOption(new Option('--spiffeID <id>', 'SPIFFE ID subject (optional)'))
    .addOption(new Option('--format <format>', 'deprecated; use -output').hideHelp());
  addApiFlags(command).action((flags: FetchJwtFlags & { format?: string }) =>
    withApiClient(
      { ...flags, output: flags.format === 'json' ? 'json' : flags.output },
      ctx,
      async (client) => {
        if (flags.audience.length === 0) throw new Error('audience must be specified');
        const bundles = await client
          .firstMessage<JWTBundlesResponse__Output>((md, options) =>
            client.raw.FetchJWTBundles({}, md, options),
          )
          .catch((err: unknown) => {
            if (isServiceError(err)) throw err;
            throw new Error(`failed to receive JWT bundles: ${(err as Error).message}`);
          });
        const svids = await client.unary<JWTSVIDResponse__Output>((md, options, cb) =>
          client.raw.FetchJWTSVID(
            { audience: flags.audience, spiffe_id: flags.spiffeID ?? '' },
            md,
            options,
            cb,
          ),
        );
        if (flags.output === 'json' || flags.format === 'json') {
          printResult('json', [svids, bundles], () => '', ctx.io.stdout);
        } else {
          ctx.io.stdout.write(formatJwt(svids, bundles));
        }
      },
    ),
  );
}
