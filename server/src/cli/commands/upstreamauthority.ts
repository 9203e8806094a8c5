/** `upstreamauthority taint|revoke -subjectKeyID <hex>`: the upstream X.509 authority (LocalAuthority API). */
import type { Command } from 'commander';
import type { CliCommand, CommandContext } from '../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
} from './support/api-command';
import { printProtoJson } from './support/protojson';

interface SkidFlags extends ApiFlags {
  subjectKeyID?: string;
}

const PKG = 'spire.api.server.localauthority.v1';

function addAction(group: Command, ctx: CommandContext, action: 'taint' | 'revoke'): void {
  const past = action === 'taint' ? 'Tainted' : 'Revoked';
  addApiCommand<SkidFlags>(group, ctx, {
    name: action,
    description: `${action === 'taint' ? 'Marks' : 'Removes'} the given upstream X.509 authority ${action === 'taint' ? 'as tainted' : 'from the bundle'}`,
    options: [
      stringOption(
        '--subjectKeyID <skid>',
        `The Subject Key ID of the upstream X.509 authority to ${action}`,
      ),
    ],
    async run(flags, api) {
      if (!flags.subjectKeyID)
        throw new CliFailure('the Subject Key ID of the X.509 upstream authority is required');
      const client = api.clients.localAuthority;
      const req = { subject_key_id: flags.subjectKeyID };
      let res;
      try {
        res = await (action === 'taint'
          ? rpc(client, client.TaintX509UpstreamAuthority, req)
          : rpc(client, client.RevokeX509UpstreamAuthority, req));
      } catch (err) {
        throw wrapError(`could not ${action} X.509 upstream authority`, err);
      }
      const typeName = `${PKG}.${action === 'taint' ? 'Taint' : 'Revoke'}X509UpstreamAuthorityResponse`;
      if (api.format === 'json') return printProtoJson(api.stdout, typeName, [res]);
      api.stdout.write(
        `${past} X.509 upstream authority:\n  Subject Key ID: ${res.upstream_authority_subject_key_id}\n`,
      );
    },
  });
}

function register(program: Command, ctx: CommandContext): void {
  const group = addGroup(program, 'upstreamauthority', 'Manage the upstream X.509 authority');
  addAction(group, ctx, 'revoke');
  addAction(group, ctx, 'taint');
}

/** Registration of `upstreamauthority`. */
export const upstreamAuthorityCommand: CliCommand = { name: 'upstreamauthority', register };
