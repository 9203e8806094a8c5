/** `bundle show|list|set|delete|count`: the server's own bundle and federated bundles. */
import type { Command } from 'commander';
import type { CliCommand, CommandContext } from '../../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
} from '../support/api-command';
import { fileErrorText, plural, readFileOrStdin } from '../support/format';
import { printProtoJson } from '../support/protojson';
import type { WireBundle } from '@lanyard/common';
import { formatBundle, parseBundleData, validateFormat } from './bundle-format';

interface BundleFlags extends ApiFlags {
  format: string;
  id?: string;
  path?: string;
  mode: string;
}

interface BatchResult {
  status: { code: number; message: string } | null;
}

const FORMAT_HELP = 'The format of the bundle (only pretty output supports it): "pem" or "spiffe"';
const DELETE_MODES: Record<string, string> = {
  restrict: 'RESTRICT',
  dissociate: 'DISSOCIATE',
  delete: 'DELETE',
};

function addShow(bundle: Command, ctx: CommandContext): void {
  addApiCommand<BundleFlags>(bundle, ctx, {
    name: 'show',
    description: 'Prints server CA bundle to stdout',
    options: [stringOption('--format <format>', FORMAT_HELP, 'pem')],
    async run(flags, api) {
      const res = (await rpc(api.clients.bundle, api.clients.bundle.GetBundle, {})) as WireBundle;
      if (api.format === 'json') return printProtoJson(api.stdout, 'spire.api.types.Bundle', [res]);
      api.stdout.write(formatBundle(res, flags.format, false));
    },
  });
}

function addList(bundle: Command, ctx: CommandContext): void {
  addApiCommand<BundleFlags>(bundle, ctx, {
    name: 'list',
    description: 'Lists federated bundle data',
    options: [
      stringOption('--id <td>', 'SPIFFE ID of the trust domain'),
      stringOption('--format <format>', FORMAT_HELP, 'pem'),
    ],
    async run(flags, api) {
      if (flags.id) {
        const one = await rpc(api.clients.bundle, api.clients.bundle.GetFederatedBundle, {
          trust_domain: flags.id,
        });
        if (api.format === 'json') return printProtoJson(api.stdout, 'spire.api.types.Bundle', [one]);
        return void api.stdout.write(formatBundle(one as WireBundle, flags.format, false));
      }
      const res = await rpc(api.clients.bundle, api.clients.bundle.ListFederatedBundles, {});
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.bundle.v1.ListFederatedBundlesResponse', [res]);
      }
      const texts = (res.bundles as WireBundle[]).map((b) => formatBundle(b, flags.format, true));
      api.stdout.write(texts.join('\n'));
    },
  });
}

async function readData(path: string | undefined): Promise<Buffer> {
  try {
    return await readFileOrStdin(path ?? '-');
  } catch (err) {
    throw new CliFailure(`unable to load bundle data: ${fileErrorText(path ?? '-', err)}`);
  }
}

function addSet(bundle: Command, ctx: CommandContext): void {
  addApiCommand<BundleFlags>(bundle, ctx, {
    name: 'set',
    description: 'Creates or updates federated bundle data',
    options: [
      stringOption('--id <td>', 'SPIFFE ID of the trust domain'),
      stringOption('--path <file>', 'Path to the bundle data (stdin when unset)'),
      stringOption('--format <format>', 'The format of the bundle data: "pem" or "spiffe"', 'pem'),
    ],
    async run(flags, api) {
      if (!flags.id) throw new CliFailure('id flag is required');
      const format = validateFormat(flags.format);
      const parsed = parseBundleData(await readData(flags.path), format, flags.id);
      let res;
      try {
        res = await rpc(api.clients.bundle, api.clients.bundle.BatchSetFederatedBundle, { bundle: [parsed] });
      } catch (err) {
        throw wrapError('failed to set federated bundle', err);
      }
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.bundle.v1.BatchSetFederatedBundleResponse', [
          res,
        ]);
      }
      const status = (res.results[0] as BatchResult | undefined)?.status;
      if (status && status.code !== 0)
        throw new CliFailure(`failed to set federated bundle: ${status.message}`);
      api.stdout.write('bundle set.\n');
    },
  });
}

function addDelete(bundle: Command, ctx: CommandContext): void {
  addApiCommand<BundleFlags>(bundle, ctx, {
    name: 'delete',
    description: 'Deletes federated bundle data',
    options: [
      stringOption('--id <td>', 'SPIFFE ID of the trust domain'),
      stringOption('--mode <mode>', 'Deletion mode: one of restrict, delete, or dissociate', 'restrict'),
    ],
    async run(flags, api) {
      if (!flags.id) throw new CliFailure('id is required');
      const mode = DELETE_MODES[flags.mode || 'restrict'];
      if (!mode) throw new CliFailure(`unsupported mode ${JSON.stringify(flags.mode)}`);
      let res;
      try {
        res = await rpc(api.clients.bundle, api.clients.bundle.BatchDeleteFederatedBundle, {
          mode: mode as 'RESTRICT',
          trust_domains: [flags.id],
        });
      } catch (err) {
        throw wrapError('failed to delete federated bundle', err);
      }
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.bundle.v1.BatchDeleteFederatedBundleResponse', [
          res,
        ]);
      }
      const result = res.results[0] as (BatchResult & { trust_domain: string }) | undefined;
      if (result?.status && result.status.code !== 0) {
        throw new CliFailure(
          `failed to delete federated bundle ${JSON.stringify(result.trust_domain)}: ${result.status.message}`,
        );
      }
      api.stdout.write('bundle deleted.\n');
    },
  });
}

function addCount(bundle: Command, ctx: CommandContext): void {
  addApiCommand<BundleFlags>(bundle, ctx, {
    name: 'count',
    description: 'Count bundles',
    async run(_flags, api) {
      const res = await rpc(api.clients.bundle, api.clients.bundle.CountBundles, {});
      if (api.format === 'json')
        return printProtoJson(api.stdout, 'spire.api.server.bundle.v1.CountBundlesResponse', [res]);
      api.stdout.write(`${plural(`${res.count} `, 'bundle', 'bundles', res.count)}\n`);
    },
  });
}

function register(program: Command, ctx: CommandContext): void {
  const bundle = addGroup(program, 'bundle', 'Manage trust bundles');
  addCount(bundle, ctx);
  addDelete(bundle, ctx);
  addList(bundle, ctx);
  addSet(bundle, ctx);
  addShow(bundle, ctx);
}

/** Registration of `bundle`. */
export const bundleCommand: CliCommand = { name: 'bundle', register };
