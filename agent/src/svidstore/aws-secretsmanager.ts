/**
 * `SVIDStore "aws_secretsmanager"`: stores X509-SVIDs in AWS Secrets Manager as SPIRE does. A secret is found
 * by the `arn` selector or else `secretname`; it is created (with the tag `spire-svid=true` and, if given, the
 * `kmskeyid` key) when missing, restored when scheduled for deletion, and never touched when it lacks the tag.
 * Deleting schedules the secret for deletion with a 7-day recovery window.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { InternalError, InvalidArgumentError, LanyardError } from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';
import { awsCredentials, decodeAwsConfig, type AwsSecretsManagerConfig } from './aws-config';
import { parseMetadata, type StorableSvid, type SvidStore, type SvidStorePlugin } from './plugin';
import { encodeSecret } from './secret';

const PLUGIN = 'aws_secretsmanager';
/** The tag that marks secrets SPIRE (and Lanyard) manage. */
export const SPIRE_SVID_TAG = 'spire-svid';
const RECOVERY_WINDOW_DAYS = 7;

interface SecretOptions {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyId: string;
  /** The ARN when given, else the name. */
  readonly secretId: string;
}

function secretOptions(metadata: readonly string[]): SecretOptions {
  const data = parseMetadata(metadata);
  const name = data.get('secretname') ?? '';
  const arn = data.get('arn') ?? '';
  if (name === '' && arn === '') {
    throw new InvalidArgumentError('either the secret name or ARN is required', 'ERR_SVIDSTORE_METADATA');
  }
  return { name, arn, kmsKeyId: data.get('kmskeyid') ?? '', secretId: arn !== '' ? arn : name };
}

/** The SDK's error for a secret that does not exist. */
function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ResourceNotFoundException';
}

function apiError(what: string, err: unknown): LanyardError {
  if (err instanceof LanyardError) return err;
  const e = err as { name?: string; message?: string };
  return new InternalError(
    `${what}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`,
    'ERR_SVIDSTORE_AWS',
    {
      cause: err,
    },
  );
}

/** Refuses a secret that lacks `spire-svid=true`: it was not created by an SVIDStore. */
function checkTag(description: DescribeSecretCommandOutput): void {
  const tagged = (description.Tags ?? []).some((t) => t.Key === SPIRE_SVID_TAG && t.Value === 'true');
  if (!tagged) {
    throw new InvalidArgumentError(
      `secret does not contain the '${SPIRE_SVID_TAG}' tag`,
      'ERR_SVIDSTORE_NOT_MANAGED',
    );
  }
}

/** The Secrets Manager side of the plugin. */
class AwsSecretsManagerStore implements SvidStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly logger: PluginLogger,
  ) {}

  async putX509Svid(svid: StorableSvid, metadata: readonly string[]): Promise<void> {
    const opt = secretOptions(metadata);
    const secret = encodeSecret(svid);
    const description = await this.describe(opt.secretId);
    if (description === undefined) {
      await this.create(opt, secret);
      return;
    }
    checkTag(description);
    if (description.DeletedDate !== undefined) {
      const restored = await this.client
        .send(new RestoreSecretCommand({ SecretId: opt.secretId }))
        .catch((err: unknown) => {
          throw apiError(`failed to restore secret "${opt.secretId}"`, err);
        });
      this.logger.debug('Secret was scheduled for deletion and has been restored', {
        arn: restored.ARN,
        name: restored.Name,
      });
    }
    const put = await this.client
      .send(new PutSecretValueCommand({ SecretId: description.ARN, SecretBinary: secret }))
      .catch((err: unknown) => {
        throw apiError('failed to put secret value', err);
      });
    this.logger.debug('Secret value updated', { version_id: put.VersionId, arn: put.ARN, name: put.Name });
  }

  async deleteX509Svid(metadata: readonly string[]): Promise<void> {
    const opt = secretOptions(metadata);
    const description = await this.describe(opt.secretId);
    if (description === undefined) {
      this.logger.warn('Secret not found', { secret_id: opt.secretId });
      return;
    }
    checkTag(description);
    const deleted = await this.client
      .send(
        new DeleteSecretCommand({ SecretId: description.ARN, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS }),
      )
      .catch((err: unknown) => {
        throw apiError(`failed to delete secret "${opt.secretId}"`, err);
      });
    this.logger.debug('Secret deleted', {
      arn: deleted.ARN,
      name: deleted.Name,
      deletion_date: deleted.DeletionDate?.toISOString(),
    });
  }

  /** The secret's description, or undefined when it does not exist. */
  private async describe(secretId: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
      return await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw apiError('failed to describe secret', err);
    }
  }

  private async create(opt: SecretOptions, secret: Buffer): Promise<void> {
    if (opt.name === '') {
      throw new InvalidArgumentError(
        'failed to create secret: name selector is required',
        'ERR_SVIDSTORE_METADATA',
      );
    }
    const created = await this.client
      .send(
        new CreateSecretCommand({
          Name: opt.name,
          Tags: [{ Key: SPIRE_SVID_TAG, Value: 'true' }],
          SecretBinary: secret,
          KmsKeyId: opt.kmsKeyId === '' ? undefined : opt.kmsKeyId,
        }),
      )
      .catch((err: unknown) => {
        throw apiError('failed to create secret', err);
      });
    this.logger.debug('Secret created', {
      version_id: created.VersionId,
      arn: created.ARN,
      name: created.Name,
    });
  }
}

/** Builds the Secrets Manager client for a decoded config. */
function createClient(config: AwsSecretsManagerConfig): SecretsManagerClient {
  return new SecretsManagerClient({
    region: config.region,
    endpoint: config.secretsManagerEndpoint,
    credentials: awsCredentials(config),
    maxAttempts: 3,
  });
}

/** The `aws_secretsmanager` SVIDStore plugin. */
export const awsSecretsManager: SvidStorePlugin = {
  name: PLUGIN,
  async create(data, deps) {
    const config = decodeAwsConfig(PLUGIN, data);
    return new AwsSecretsManagerStore(createClient(config), deps.logger);
  },
};
