/** `federation create|update|delete|list|show|refresh`: federation relationships (TrustDomain API). */
import { status as GrpcCode } from '@grpc/grpc-js';
import type { Command } from 'commander';
import { codeName } from '@lanyard/base/grpc';
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
import { plural } from '../support/format';
import { printProtoJson } from '../support/protojson';
import {
  formatRelationship,
  relationshipFromConfig,
  relationshipsFromFile,
  type RelationshipConfig,
  type RelationshipView,
} from './relationship';

interface WriteFlags extends ApiFlags, RelationshipConfig {
  data?: string;
}

interface IdFlags extends ApiFlags {
  id?: string;
  trustDomain?: string;
}

interface RelationshipResult {
  status: { code: number; message: string } | null;
  federation_relationship: RelationshipView | null;
}

const PKG = 'spire.api.server.trustdomain.v1';

function configOptions() {
  return [
    stringOption('--data <file>', "Path to a file with federation relationships in JSON ('-' reads stdin)"),
    stringOption('--trustDomain <td>', 'Name of the trust domain to federate with (e.g., example.org)'),
    stringOption('--bundleEndpointURL <url>', 'URL of the SPIFFE bundle endpoint (must use HTTPS)'),
    stringOption(
      '--bundleEndpointProfile <profile>',
      'Endpoint profile type ("https_web" or "https_spiffe")',
    ),
    stringOption(
      '--endpointSpiffeID <id>',
      "SPIFFE ID of the bundle endpoint server (only for 'https_spiffe')",
    ),
    stringOption('--trustDomainBundlePath <file>', 'Path to the trust domain bundle data (optional)'),
    stringOption('--trustDomainBundleFormat <format>', 'Format of the bundle data: "pem" or "spiffe"', 'pem'),
  ];
}

async function relationshipsOf(flags: WriteFlags): Promise<RelationshipView[]> {
  if (!flags.data) return [relationshipFromConfig(flags)];
  const others =
    flags.trustDomain ||
    flags.bundleEndpointURL ||
    flags.bundleEndpointProfile ||
    flags.endpointSpiffeID ||
    flags.trustDomainBundlePath ||
    (flags.trustDomainBundleFormat ?? 'pem') !== 'pem';
  if (others)
    throw new CliFailure("cannot use other flags to specify relationship fields when 'data' flag is set");
  return relationshipsFromFile(flags.data);
}

function printWriteResults(
  api: ApiRun,
  verb: 'create' | 'update',
  results: RelationshipResult[],
  sent: RelationshipView[],
): void {
  const failed = results.filter((r) => r.status?.code !== 0);
  for (const r of results) {
    if (r.status?.code === 0 && r.federation_relationship)
      api.stdout.write(`\n${formatRelationship(r.federation_relationship)}`);
  }
  results.forEach((r, i) => {
    if (r.status?.code === 0) return;
    api.stdout.write('\n');
    const code = codeName(r.status?.code ?? GrpcCode.UNKNOWN);
    api.stderr.write(
      `Failed to ${verb} the following federation relationship (code: ${code}, msg: ${JSON.stringify(r.status?.message ?? '')}):\n`,
    );
    api.stderr.write(formatRelationship(sent[i]));
  });
  if (failed.length > 0) throw new CliFailure(`failed to ${verb} one or more federation relationships`);
}

function addWrite(group: Command, ctx: CommandContext, verb: 'create' | 'update'): void {
  addApiCommand<WriteFlags>(group, ctx, {
    name: verb,
    description: `${verb === 'create' ? 'Creates' : 'Updates'} a dynamic federation relationship with a foreign trust domain`,
    options: configOptions(),
    async run(flags, api) {
      const relationships = await relationshipsOf(flags);
      const method =
        verb === 'create'
          ? api.clients.trustDomain.BatchCreateFederationRelationship
          : api.clients.trustDomain.BatchUpdateFederationRelationship;
      let res;
      try {
        res = await rpc(api.clients.trustDomain, method, { federation_relationships: relationships });
      } catch (err) {
        throw wrapError('request failed', err);
      }
      const typeName = `${PKG}.Batch${verb === 'create' ? 'Create' : 'Update'}FederationRelationshipResponse`;
      if (api.format === 'json') return printProtoJson(api.stdout, typeName, [res]);
      printWriteResults(api, verb, res.results as RelationshipResult[], relationships);
    },
  });
}

function addReadCommands(group: Command, ctx: CommandContext): void {
  addApiCommand<IdFlags>(group, ctx, {
    name: 'list',
    description: 'Lists all dynamic federation relationships',
    async run(_flags, api) {
      let res;
      try {
        res = await rpc(api.clients.trustDomain, api.clients.trustDomain.ListFederationRelationships, {});
      } catch (err) {
        throw wrapError('error listing federation relationship', err);
      }
      if (api.format === 'json')
        return printProtoJson(api.stdout, `${PKG}.ListFederationRelationshipsResponse`, [res]);
      const list = res.federation_relationships as RelationshipView[];
      api.stdout.write(
        `${plural(`Found ${list.length} `, 'federation relationship', 'federation relationships', list.length)}\n`,
      );
      for (const fr of list) api.stdout.write(`\n${formatRelationship(fr)}`);
    },
  });
  addApiCommand<IdFlags>(group, ctx, {
    name: 'show',
    description: 'Shows a dynamic federation relationship',
    options: [
      stringOption('--trustDomain <td>', 'The trust domain name of the federation relationship to show'),
    ],
    async run(flags, api) {
      if (!flags.trustDomain) throw new CliFailure('a trust domain name is required');
      let fr;
      try {
        fr = await rpc(api.clients.trustDomain, api.clients.trustDomain.GetFederationRelationship, {
          trust_domain: flags.trustDomain,
        });
      } catch (err) {
        throw wrapError('error showing federation relationship', err);
      }
      if (api.format === 'json')
        return printProtoJson(api.stdout, 'spire.api.types.FederationRelationship', [fr]);
      api.stdout.write(
        `Found a federation relationship with trust domain ${flags.trustDomain}:\n\n${formatRelationship(fr as RelationshipView)}`,
      );
    },
  });
}

function addIdCommands(group: Command, ctx: CommandContext): void {
  addApiCommand<IdFlags>(group, ctx, {
    name: 'delete',
    description: 'Deletes a dynamic federation relationship',
    options: [stringOption('--id <td>', 'SPIFFE ID of the trust domain')],
    async run(flags, api) {
      if (!flags.id) throw new CliFailure('id is required');
      let res;
      try {
        res = await rpc(api.clients.trustDomain, api.clients.trustDomain.BatchDeleteFederationRelationship, {
          trust_domains: [flags.id],
        });
      } catch (err) {
        throw wrapError('failed to delete federation relationship', err);
      }
      if (api.format === 'json')
        return printProtoJson(api.stdout, `${PKG}.BatchDeleteFederationRelationshipResponse`, [res]);
      const result = res.results[0];
      if (result?.status && result.status.code !== 0) {
        throw new CliFailure(
          `failed to delete federation relationship ${JSON.stringify(result.trust_domain)}: ${result.status.message}`,
        );
      }
      api.stdout.write('federation relationship deleted.\n');
    },
  });
  addApiCommand<IdFlags>(group, ctx, {
    name: 'refresh',
    description: "Refreshes the bundle from the specified federated trust domain's bundle endpoint",
    options: [stringOption('--id <td>', 'SPIFFE ID of the trust domain')],
    async run(flags, api) {
      if (!flags.id) throw new CliFailure('id is required');
      try {
        await rpc(api.clients.trustDomain, api.clients.trustDomain.RefreshBundle, { trust_domain: flags.id });
      } catch (err) {
        if ((err as { code?: number }).code === GrpcCode.NOT_FOUND) {
          throw new CliFailure(
            `there is no federation relationship with trust domain ${JSON.stringify(flags.id)}`,
          );
        }
        throw wrapError('failed to refresh bundle', err);
      }
      if (api.format === 'json')
        return printProtoJson(api.stdout, 'spire.api.types.Status', [{ code: 0, message: 'OK' }]);
      api.stdout.write('Bundle refreshed\n');
    },
  });
}

function register(program: Command, ctx: CommandContext): void {
  const group = addGroup(program, 'federation', 'Manage federation relationships');
  addWrite(group, ctx, 'create');
  addIdCommands(group, ctx);
  addReadCommands(group, ctx);
  addWrite(group, ctx, 'update');
}

/** Registration of `federation`. */
export const federationCommand: CliCommand = { name: 'federation', register };
