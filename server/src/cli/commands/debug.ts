/** `debug getinfo`: server uptime, counts and its SVID chain. */
import type { Command } from 'commander';
import { formatDuration } from '@lanyard/base';
import type { CliCommand, CommandContext } from '../registry';
import { addApiCommand, addGroup, rpc, type ApiFlags } from './support/api-command';
import { rfc3339 } from './support/format';
import { protoToIdString } from './support/ids';
import { printProtoJson } from './support/protojson';

function register(program: Command, ctx: CommandContext): void {
  const debug = addGroup(program, 'debug', 'Debug information');
  addApiCommand<ApiFlags>(debug, ctx, {
    name: 'getinfo',
    description: 'Get debug information',
    async run(_flags, api) {
      const res = await rpc(api.clients.debug, api.clients.debug.GetInfo, {});
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.debug.v1.GetInfoResponse', [res]);
      }
      let text = 'Server Debug Info:\n';
      text += `  Uptime:                  ${formatDuration(Number(res.uptime) * 1000)}\n`;
      text += `  Registered Agents:       ${res.agents_count}\n`;
      text += `  Registration Entries:    ${res.entries_count}\n`;
      text += `  Federated Bundles:       ${res.federated_bundles_count}\n`;
      if (res.svid_chain.length > 0) text += '  SVID Chain:\n';
      res.svid_chain.forEach((cert, i) => {
        text += `    [${i}] SPIFFE ID:  ${cert.id ? protoToIdString(cert.id) : '(none)'}\n`;
        text += `        Subject:    ${cert.subject}\n`;
        text += `        Expires At: ${rfc3339(Number(cert.expires_at))}\n`;
      });
      api.stdout.write(text);
    },
  });
}

/** Registration of `debug`. */
export const debugCommand: CliCommand = { name: 'debug', register };
