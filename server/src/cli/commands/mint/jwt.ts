/** `jwt mint`: `MintJWTSVID` for a SPIFFE ID and audiences; prints the token or writes it (0600). */
import { Option, type Command } from 'commander';
import { writeFileAtomicSync } from '@lanyard/base';
import { listOption } from '@lanyard/common';
import type { CliCommand, CommandContext } from '../../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { rfc3339 } from '../support/format';
import { idToProto } from '../support/ids';
import { ceilSeconds, durationArg, isCapped } from '../support/parsers';
import { printProtoJson } from '../support/protojson';

interface JwtMintFlags extends ApiFlags {
  spiffeID?: string;
  ttl: number;
  audience: string[];
  write?: string;
}

/** Reads `exp` without verifying (only to warn about a capped lifetime, as SPIRE does). */
async function expiryOf(token: string): Promise<number | undefined> {
  // jose is loaded only here, so other CLI commands do not pay for loading it.
  const { decodeJwt } = await import('jose');
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

async function warnIfCapped(api: ApiRun, token: string, ttlNanos: number): Promise<void> {
  const exp = await expiryOf(token);
  if (exp === undefined) {
    api.stderr.write('Unable to determine JWT-SVID lifetime: no expiry claim\n');
  } else if (isCapped(exp, ttlNanos)) {
    api.stderr.write(`JWT-SVID lifetime was capped shorter than specified ttl; expires "${rfc3339(exp)}"\n`);
  }
}

function register(program: Command, ctx: CommandContext): void {
  const jwt = addGroup(program, 'jwt', 'Mint JWT-SVIDs');
  addApiCommand<JwtMintFlags>(jwt, ctx, {
    name: 'mint',
    description: 'Mints a JWT-SVID',
    options: [
      stringOption('--spiffeID <id>', 'SPIFFE ID of the JWT-SVID'),
      new Option('--ttl <duration>', 'TTL of the JWT-SVID (Go duration, e.g. 5m)')
        .argParser(durationArg)
        .default(0),
      listOption(
        '--audience <aud>',
        'Audience claim that will be included in the SVID. Can be used more than once.',
      ),
      stringOption('--write <file>', 'File to write token to instead of stdout'),
    ],
    async run(flags, api) {
      if (!flags.spiffeID) throw new CliFailure('spiffeID must be specified');
      if (flags.audience.length === 0) throw new CliFailure('at least one audience must be specified');
      const id = idToProto(flags.spiffeID);
      let res;
      try {
        res = await rpc(api.clients.svid, api.clients.svid.MintJWTSVID, {
          id,
          ttl: ceilSeconds(flags.ttl),
          audience: flags.audience,
        });
      } catch (err) {
        throw wrapError('unable to mint SVID', err);
      }
      const token = res.svid?.token ?? '';
      if (!token) throw new CliFailure('server response missing token');
      await warnIfCapped(api, token, flags.ttl);
      if (flags.write) {
        try {
          writeFileAtomicSync(flags.write, token);
        } catch (err) {
          throw new CliFailure(`unable to write token: ${(err as Error).message}`);
        }
        return void api.stdout.write(`JWT-SVID written to ${flags.write}\n`);
      }
      if (api.format === 'json')
        return printProtoJson(api.stdout, 'spire.api.server.svid.v1.MintJWTSVIDResponse', [res]);
      api.stdout.write(`${token}\n`);
    },
  });
}

/** Registration of `jwt`. */
export const jwtCommand: CliCommand = { name: 'jwt', register };
