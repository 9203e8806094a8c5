import type { Command } from 'commander';
import { Option } from 'commander';
import { printResult } from '@lanyard/common';
import type { X509SVIDResponse__Output } from '@lanyard/proto';
import type { CommandContext } from '../registry';
import { addApiFlags, withApiClient, type ApiFlags } from './flags';
import { formatX509Response, writeX509Response } from './x509-output';
import { parseAndValidateX509Response } from './x509-view';

interface FetchX509Flags extends ApiFlags {
  silent?: boolean;
  write?: string;
}

/**
 * `api fetch x509` (also plain `api fetch`): reads one FetchX509SVID message, checks every SVID against its
 * bundle, prints SPIRE's block (unless `-silent`) and with `-write <dir>` writes SPIRE's PEM files.
 */
export function registerFetchX509(fetch: Command, ctx: CommandContext): void {
  const command = fetch
    .command('x509', { isDefault: true })
    .description('Fetches X509 SVIDs from the Workload API')
    .addOption(new Option('--silent', 'suppress stdout').default(false))
    .addOption(
      new Option(
        '--write <dir>',
        'write SVID data to the specified path (only available for pretty output format)',
      ),
    );
  addApiFlags(command).action((flags: FetchX509Flags) =>
    withApiClient(flags, ctx, async (client) => {
      const start = performance.now();
      const response = await client.firstMessage<X509SVIDResponse__Output>((md, options) =>
        client.raw.FetchX509SVID({}, md, options),
      );
      const elapsed = performance.now() - start;
      if (flags.output === 'json') {
        printResult('json', response, () => '', ctx.io.stdout);
        return;
      }
      const svids = parseAndValidateX509Response(response);
      if (!flags.silent) ctx.io.stdout.write(formatX509Response(svids, elapsed));
      if (flags.write) writeX509Response(flags.write, svids, ctx.io.stdout);
    }),
  );
}
