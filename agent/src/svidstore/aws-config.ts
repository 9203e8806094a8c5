/**
 * `plugin_data` of `SVIDStore "aws_secretsmanager"`: SPIRE's keys (`access_key_id`, `secret_access_key`,
 * `region`) plus Lanyard's `assume_role_arn` and endpoint overrides, and the credentials they lead to.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { InternalError } from '@lanyard/base';
import { ConfigError, decodePluginData, field } from '@lanyard/common';

const FIELDS = {
  access_key_id: field.string(),
  secret_access_key: field.string(),
  region: field.string({ required: 'region is required', nonEmpty: true }),
  assume_role_arn: field.string({ nonEmpty: true }),
  secretsmanager_endpoint: field.string({ nonEmpty: true }),
  sts_endpoint: field.string({ nonEmpty: true }),
};

/** Session name of the AssumeRole calls, as seen in CloudTrail. */
const ROLE_SESSION_NAME = 'lanyard-agent-svidstore';

/** An access key pair. */
export interface AwsKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The decoded configuration. */
export interface AwsSecretsManagerConfig {
  readonly region: string;
  /** Static keys from plugin_data or the environment; undefined = the SDK's default credential chain. */
  readonly staticCredentials?: AwsKeyPair;
  readonly assumeRoleArn?: string;
  readonly secretsManagerEndpoint?: string;
  readonly stsEndpoint?: string;
}

/**
 * Decodes and checks `plugin_data`. Keys left empty fall back to `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
 * as in SPIRE; with neither, the SDK's default chain (profile, web identity, IMDS) is used.
 * @throws ConfigError (InvalidArgument) naming every bad or unknown key, or a lone half of a key pair.
 */
export function decodeAwsConfig(
  plugin: string,
  data: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): AwsSecretsManagerConfig {
  const d = decodePluginData(plugin, data, FIELDS);
  const accessKeyId = d.access_key_id || env.AWS_ACCESS_KEY_ID || '';
  const secretAccessKey = d.secret_access_key || env.AWS_SECRET_ACCESS_KEY || '';
  if ((accessKeyId === '') !== (secretAccessKey === '')) {
    const message = 'access_key_id and secret_access_key must be set together';
    throw new ConfigError([{ path: 'plugin_data.access_key_id', message }], plugin);
  }
  for (const key of ['secretsmanager_endpoint', 'sts_endpoint'] as const) {
    const value = d[key];
    if (value !== undefined && !URL.canParse(value)) {
      throw new ConfigError([{ path: `plugin_data.${key}`, message: 'must be a URL' }], plugin);
    }
  }
  return {
    region: d.region as string,
    staticCredentials: accessKeyId === '' ? undefined : { accessKeyId, secretAccessKey },
    assumeRoleArn: d.assume_role_arn,
    secretsManagerEndpoint: d.secretsmanager_endpoint,
    stsEndpoint: d.sts_endpoint,
  };
}

/**
 * The credentials Secrets Manager calls are signed with: the static keys (or the default chain), or, with
 * `assume_role_arn`, temporary keys from STS AssumeRole made with those (the SDK caches them until expiry).
 */
export function awsCredentials(config: AwsSecretsManagerConfig): SecretsManagerClientConfig['credentials'] {
  const roleArn = config.assumeRoleArn;
  if (roleArn === undefined) return config.staticCredentials;
  const sts = new STSClient({
    region: config.region,
    endpoint: config.stsEndpoint,
    credentials: config.staticCredentials,
  });
  return async () => {
    let out;
    try {
      out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME }));
    } catch (err) {
      const e = err as Error;
      throw new InternalError(
        `failed to assume role ${roleArn}: ${e.name}: ${e.message}`,
        'ERR_SVIDSTORE_AWS',
      );
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new InternalError(`assume role ${roleArn} returned no credentials`, 'ERR_SVIDSTORE_AWS');
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
}
