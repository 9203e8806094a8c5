/**
 * `SVIDStore "gcp_secretmanager"`: stores X509-SVIDs in Google Cloud Secret Manager as SPIRE does. A secret
 * `projects/<projectid>/secrets/<name>` is created when missing, labelled `spire-svid=<sha1 hex of the trust
 * domain>`; a secret without that label is never touched. Each put adds a secret version; with `role` and
 * `serviceaccount` selectors the secret gets a one-binding IAM policy. Talks to Secret Manager's REST API
 * through the official client.
 */
import { createHash } from 'node:crypto';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { PluginLogger } from '@lanyard/attestor-core';
import { InternalError, InvalidArgumentError, LanyardError } from '@lanyard/base';
import { decodePluginData, field, ConfigError } from '@lanyard/common';
import { googleAuthClient, readServiceAccountKey } from './gcp-credentials';
import { gcpSecretOptions, secretResourceName, type GcpSecretOptions } from './gcp-options';
import type { StorableSvid, SvidStore, SvidStorePlugin } from './plugin';
import { encodeSecret } from './secret';

const PLUGIN = 'gcp_secretmanager';
/** The label that marks secrets an SVIDStore of this trust domain manages. */
export const SPIRE_SVID_LABEL = 'spire-svid';
/** gRPC NOT_FOUND, or HTTP 404 from the REST transport. */
const NOT_FOUND = new Set([5, 404]);

const FIELDS = {
  service_account_file: field.string({ nonEmpty: true }),
  secretmanager_endpoint: field.string({ nonEmpty: true }),
};

/** The label value: hex SHA-1 of the trust domain name (labels may not contain dots). */
export function trustDomainLabel(trustDomain: string): string {
  return createHash('sha1').update(trustDomain).digest('hex');
}

interface Secret {
  name?: string | null;
  etag?: string | null;
  labels?: Record<string, string> | null;
}

function apiError(what: string, err: unknown): LanyardError {
  if (err instanceof LanyardError) return err;
  const e = err as Error | undefined;
  const cause = e?.cause instanceof Error ? `: ${e.cause.message}` : '';
  return new InternalError(`${what}: ${e?.message ?? String(err)}${cause}`, 'ERR_SVIDSTORE_GCP', {
    cause: err,
  });
}

/** The Secret Manager side of the plugin. */
class GcpSecretManagerStore implements SvidStore {
  constructor(
    private readonly client: SecretManagerServiceClient,
    private readonly tdLabel: string,
    private readonly logger: PluginLogger,
  ) {}

  async putX509Svid(svid: StorableSvid, metadata: readonly string[]): Promise<void> {
    const opt = gcpSecretOptions(metadata);
    let secret = await this.getSecret(secretResourceName(opt));
    const found = secret !== undefined;
    if (secret === undefined) secret = await this.create(opt);
    const name = secret.name ?? secretResourceName(opt);
    if (opt.role !== '' && (!found || (await this.policyDiffers(name, opt)))) {
      await this.client
        .setIamPolicy({
          resource: name,
          policy: { bindings: [{ role: opt.role, members: [opt.serviceAccount] }] },
        })
        .catch((err: unknown) => {
          throw apiError('failed to set IAM policy to secret', err);
        });
      this.logger.debug('Secret IAM Policy updated', { secret_name: name });
    }
    const [version] = await this.client
      .addSecretVersion({ parent: name, payload: { data: encodeSecret(svid) } })
      .catch((err: unknown) => {
        throw apiError('failed to add secret version', err);
      });
    this.logger.debug('Secret payload updated', { name: version.name, state: version.state });
  }

  async deleteX509Svid(metadata: readonly string[]): Promise<void> {
    const opt = gcpSecretOptions(metadata);
    const secret = await this.getSecret(secretResourceName(opt));
    if (secret === undefined) {
      this.logger.debug('Secret to delete not found', { secret_name: secretResourceName(opt) });
      return;
    }
    await this.client
      .deleteSecret({ name: secret.name ?? secretResourceName(opt), etag: secret.etag ?? '' })
      .catch((err: unknown) => {
        throw apiError('failed to delete secret', err);
      });
    this.logger.debug('Secret deleted', { secret_name: secretResourceName(opt) });
  }

  /** The secret, undefined when absent. @throws InvalidArgumentError when another owner's secret is there. */
  private async getSecret(name: string): Promise<Secret | undefined> {
    let secret: Secret;
    try {
      [secret] = await this.client.getSecret({ name });
    } catch (err) {
      if (NOT_FOUND.has((err as { code?: number }).code ?? -1)) return undefined;
      throw apiError('failed to get secret', err);
    }
    if (secret.labels?.[SPIRE_SVID_LABEL] !== this.tdLabel) {
      throw new InvalidArgumentError(
        'secret is not managed by this SPIRE deployment',
        'ERR_SVIDSTORE_NOT_MANAGED',
      );
    }
    return secret;
  }

  private async create(opt: GcpSecretOptions): Promise<Secret> {
    const [secret] = await this.client
      .createSecret({
        parent: `projects/${opt.projectId}`,
        secretId: opt.name,
        secret: { replication: opt.replication, labels: { [SPIRE_SVID_LABEL]: this.tdLabel } },
      })
      .catch((err: unknown) => {
        throw apiError('failed to create secret', err);
      });
    this.logger.debug('Secret created', { secret_name: secret.name });
    return secret;
  }

  /** True unless the secret's policy is exactly one binding of `role` to the service account. */
  private async policyDiffers(name: string, opt: GcpSecretOptions): Promise<boolean> {
    const [policy] = await this.client.getIamPolicy({ resource: name }).catch((err: unknown) => {
      throw apiError('failed to get IAM policy', err);
    });
    const bindings = policy.bindings ?? [];
    if (bindings.length !== 1) return true;
    const members = bindings[0].members ?? [];
    return bindings[0].role !== opt.role || members.length !== 1 || members[0] !== opt.serviceAccount;
  }
}

/** Client options for the REST transport, pointed at `endpoint` when given. */
function endpointOptions(endpoint: string | undefined): Record<string, unknown> {
  if (endpoint === undefined) return {};
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(':', '');
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port) || (protocol === 'http' ? 80 : 443),
    protocol,
  };
}

/** The `gcp_secretmanager` SVIDStore plugin. */
export const gcpSecretManager: SvidStorePlugin = {
  name: PLUGIN,
  async create(data, deps) {
    const d = decodePluginData(PLUGIN, data, FIELDS);
    if (d.secretmanager_endpoint !== undefined && !URL.canParse(d.secretmanager_endpoint)) {
      throw new ConfigError(
        [{ path: 'plugin_data.secretmanager_endpoint', message: 'must be a URL' }],
        PLUGIN,
      );
    }
    const keyFile = d.service_account_file ?? process.env.GOOGLE_APPLICATION_CREDENTIALS;
    const key = keyFile === undefined || keyFile === '' ? undefined : readServiceAccountKey(PLUGIN, keyFile);
    const client = new SecretManagerServiceClient({
      fallback: true,
      authClient: googleAuthClient(key) as never,
      ...endpointOptions(d.secretmanager_endpoint),
    });
    return new GcpSecretManagerStore(client, trustDomainLabel(deps.trustDomain), deps.logger);
  },
};
