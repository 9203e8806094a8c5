/** `localauthority x509|jwt show|prepare|activate|taint|revoke`: the server's local signing authorities. */
import type { Command } from 'commander';
import type { LocalAuthorityClient } from '@lanyard/proto';
import type { CliCommand, CommandContext } from '../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from './support/api-command';
import { goUtcTime } from './support/format';
import { printProtoJson } from './support/protojson';

interface AuthorityState {
  authority_id: string;
  expires_at: number;
  upstream_authority_subject_key_id: string;
}

interface AuthorityFlags extends ApiFlags {
  authorityID?: string;
}

type Kind = 'x509' | 'jwt';
type Action = 'prepare' | 'activate' | 'taint' | 'revoke';

const LABEL: Record<Kind, string> = { x509: 'X.509', jwt: 'JWT' };
const PAST: Record<Action, string> = {
  prepare: 'Prepared',
  activate: 'Activated',
  taint: 'Tainted',
  revoke: 'Revoked',
};
const PKG = 'spire.api.server.localauthority.v1';

/** The RPC, its response type and the response field holding the authority, per kind and action. */
function call(
  client: LocalAuthorityClient,
  kind: Kind,
  action: Action,
  id: string,
): Promise<Record<string, unknown>> {
  const req = { authority_id: id };
  const methods = {
    x509: {
      prepare: () => rpc(client, client.PrepareX509Authority, {}),
      activate: () => rpc(client, client.ActivateX509Authority, req),
      taint: () => rpc(client, client.TaintX509Authority, req),
      revoke: () => rpc(client, client.RevokeX509Authority, req),
    },
    jwt: {
      prepare: () => rpc(client, client.PrepareJWTAuthority, {}),
      activate: () => rpc(client, client.ActivateJWTAuthority, req),
      taint: () => rpc(client, client.TaintJWTAuthority, req),
      revoke: () => rpc(client, client.RevokeJWTAuthority, req),
    },
  };
  return methods[kind][action]() as Promise<unknown> as Promise<Record<string, unknown>>;
}

/** SPIRE's authority state lines (the upstream line only for X.509). */
function formatState(kind: Kind, s: AuthorityState): string {
  let text = `  Authority ID: ${s.authority_id}\n  Expires at: ${goUtcTime(Number(s.expires_at))}\n`;
  if (kind === 'jwt') return text;
  text += s.upstream_authority_subject_key_id
    ? `  Upstream authority Subject Key ID: ${s.upstream_authority_subject_key_id}\n`
    : '  Upstream authority ID: No upstream authority\n';
  return text;
}

function addShow(group: Command, ctx: CommandContext, kind: Kind): void {
  const label = LABEL[kind];
  addApiCommand<AuthorityFlags>(group, ctx, {
    name: 'show',
    description: `Shows the local ${label} authorities`,
    async run(_flags, api) {
      const client = api.clients.localAuthority;
      let res;
      try {
        res = (await (kind === 'x509'
          ? rpc(client, client.GetX509AuthorityState, {})
          : rpc(client, client.GetJWTAuthorityState, {}))) as Record<
          'active' | 'prepared' | 'old',
          AuthorityState | null
        >;
      } catch (err) {
        if (kind === 'jwt') throw err;
        throw wrapError('could not get X.509 authorities', err);
      }
      const typeName = `${PKG}.Get${kind === 'x509' ? 'X509' : 'JWT'}AuthorityStateResponse`;
      if (api.format === 'json') return printProtoJson(api.stdout, typeName, [res]);
      const sections = (['active', 'prepared', 'old'] as const).map((slot) => {
        const title = `${slot.charAt(0).toUpperCase()}${slot.slice(1)} ${label} authority:\n`;
        const state = res[slot];
        return title + (state ? formatState(kind, state) : `  No ${slot} ${label} authority found\n`);
      });
      api.stdout.write(sections.join('\n'));
    },
  });
}

function addAction(group: Command, ctx: CommandContext, kind: Kind, action: Action): void {
  const label = LABEL[kind];
  const past = PAST[action];
  addApiCommand<AuthorityFlags>(group, ctx, {
    name: action,
    description: `${past.replace(/d$/, '')}s the ${action === 'prepare' ? 'next' : 'given'} ${label} authority`,
    options:
      action === 'prepare'
        ? []
        : [stringOption('--authorityID <id>', `The authority ID of the ${label} authority to ${action}`)],
    async run(flags, api: ApiRun) {
      if (action !== 'prepare' && !flags.authorityID) throw new CliFailure('an authority ID is required');
      let res;
      try {
        res = await call(api.clients.localAuthority, kind, action, flags.authorityID ?? '');
      } catch (err) {
        throw wrapError(`could not ${action} ${label} authority`, err);
      }
      const kindName = kind === 'x509' ? 'X509' : 'JWT';
      const typeName = `${PKG}.${action.charAt(0).toUpperCase()}${action.slice(1)}${kindName}AuthorityResponse`;
      if (api.format === 'json') return printProtoJson(api.stdout, typeName, [res]);
      const state = res[`${past.toLowerCase()}_authority`] as AuthorityState | null;
      if (!state)
        throw new CliFailure(
          `internal error: expected to have ${past.toLowerCase()} ${label} authority information`,
        );
      api.stdout.write(`${past} ${label} authority:\n${formatState(kind, state)}`);
    },
  });
}

function register(program: Command, ctx: CommandContext): void {
  const group = addGroup(program, 'localauthority', 'Manage local X.509 and JWT signing authorities');
  for (const kind of ['x509', 'jwt'] as const) {
    const sub = group.command(kind).description(`Manage local ${LABEL[kind]} authorities`);
    addShow(sub, ctx, kind);
    for (const action of ['prepare', 'activate', 'taint', 'revoke'] as const)
      addAction(sub, ctx, kind, action);
  }
}

/** Registration of `localauthority`. */
export const localAuthorityCommand: CliCommand = { name: 'localauthority', register };
