import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { formatRpcError, isServiceError } from '@lanyard/base/grpc';
import { printResult } from '@lanyard/common';
import type { Struct__Output, ValidateJWTSVIDResponse__Output, Value__Output } from '@lanyard/proto';
import type { CommandContext } from '../registry';
import { addApiFlags, withApiClient, type ApiFlags } from './flags';

interface ValidateFlags extends ApiFlags {
  audience?: string;
  svid?: string;
}

/** `google.protobuf.Value` back to plain JSON. */
function fromValue(value: Value__Output): unknown {
  switch (value.kind) {
    case 'numberValue':
      return value.numberValue;
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return value.structValue ? fromStruct(value.structValue) : {};
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

/** `google.protobuf.Struct` back to a plain JSON object. */
export function fromStruct(struct: Struct__Output): Record<string, unknown> {
  return Object.fromEntries(Object.entries(struct.fields).map(([k, v]) => [k, fromValue(v)]));
}

/** `api validate jwt -audience A -svid TOKEN`: asks the agent to validate a JWT-SVID. */
export function registerValidateJwt(validate: Command, ctx: CommandContext): void {
  const command = validate
    .command('jwt')
    .description('Validates a JWT SVID')
    .addOption(new Option('--audience <audience>', 'expected audience value'))
    .addOption(new Option('--svid <token>', 'JWT SVID'));
  addApiFlags(command).action((flags: ValidateFlags) =>
    withApiClient(flags, ctx, async (client) => {
      if (!flags.audience) throw new Error('audience must be specified');
      if (!flags.svid) throw new Error('svid must be specified');
      const response = await client
        .unary<ValidateJWTSVIDResponse__Output>((md, options, cb) =>
          client.raw.ValidateJWTSVID({ audience: flags.audience, svid: flags.svid }, md, options, cb),
        )
        .catch((err: unknown) => {
          if (isServiceError(err) && err.code === grpc.status.INVALID_ARGUMENT) {
            throw new Error(`SVID is not valid: ${err.details}`);
          }
          throw new Error(`unable to validate JWT SVID: ${formatRpcError(err)}`);
        });
      const claims = response.claims ? fromStruct(response.claims) : {};
      printResult(
        flags.output,
        { spiffe_id: response.spiffe_id, claims },
        (r) => `SVID is valid.\nSPIFFE ID : ${r.spiffe_id}\nClaims    : ${JSON.stringify(r.claims)}\n`,
        ctx.io.stdout,
      );
    }),
  );
}
