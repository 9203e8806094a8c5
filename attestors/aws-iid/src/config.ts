import { readFileSync } from 'node:fs';
import { AgentPathTemplate, PluginConfigReader, type PluginData, readDuration } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { AWS_IID_DEFAULT_PATH_TEMPLATE, AWS_IID_PLUGIN_NAME } from './shared';

const P = AWS_IID_PLUGIN_NAME;

/** Agent `plugin_data`. */
export interface AwsIidAgentConfig {
  /** IMDS base URL (a trailing `/latest` is accepted, as in SPIRE's docs); default `http://169.254.169.254`. */
  readonly metadataEndpoint: string;
  /** Lanyard: fall back to IMDSv1 when the token endpoint refuses (403/404/405); default false. */
  readonly imdsV1Fallback: boolean;
  /** Lanyard: per-request timeout in ms; default 5000. */
  readonly timeoutMs: number;
  /** Lanyard: attempts per request; default 3. */
  readonly attempts: number;
}

/** Parses and validates agent `plugin_data`. */
export function parseAgentConfig(data: PluginData): AwsIidAgentConfig {
  const r = new PluginConfigReader(P, data);
  const endpoint = (r.string('ec2_metadata_endpoint') ?? 'http://169.254.169.254').replace(/\/+$/, '');
  const config = {
    metadataEndpoint: endpoint.replace(/\/latest$/, ''),
    imdsV1Fallback: r.boolean('imds_v1_fallback') ?? false,
    timeoutMs: readDuration(r, P, 'metadata_timeout') ?? 5000,
    attempts: r.integer('metadata_attempts') ?? 3,
  };
  r.rejectUnknownKeys();
  assertUrl(config.metadataEndpoint, 'ec2_metadata_endpoint');
  if (config.attempts < 1 || config.attempts > 10) fail('metadata_attempts', 'must be between 1 and 10');
  return config;
}

/** AWS credentials for the EC2/IAM/STS calls. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** `verify_organization` in account-list-file mode. */
export interface OrgAccountListConfig {
  readonly accountListFile: string;
  readonly ttlMs: number;
}

/** Server `plugin_data`. */
export interface AwsIidServerConfig {
  readonly credentials?: AwsCredentials;
  readonly skipBlockDevice: boolean;
  readonly disableInstanceProfileSelectors: boolean;
  readonly assumeRole?: string;
  readonly partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  readonly localValidationAccountIds: ReadonlySet<string>;
  readonly pathTemplate: AgentPathTemplate;
  readonly verifyOrganization?: OrgAccountListConfig;
  /** PEM certificates of the AWS identity-document signers (Lanyard: `instance_identity_ca_path`). */
  readonly signerCertsPem: string;
  /** Endpoint overrides (Lanyard: `ec2_endpoint`, `iam_endpoint`, `sts_endpoint`). */
  readonly endpoints: { readonly ec2?: string; readonly iam?: string; readonly sts?: string };
  /** Timeout for each AWS API call in ms (Lanyard: `aws_timeout`, default 20s like SPIRE). */
  readonly awsTimeoutMs: number;
}

/**
 * Parses and validates server `plugin_data`. Credentials fall back to `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from `env`.
 */
export function parseServerConfig(
  data: PluginData,
  env: NodeJS.ProcessEnv = process.env,
): AwsIidServerConfig {
  const r = new PluginConfigReader(P, data);
  const accessKeyId = r.string('access_key_id') ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = r.string('secret_access_key') ?? env.AWS_SECRET_ACCESS_KEY;
  const partition = r.string('partition') ?? 'aws';
  const caPath = r.string('instance_identity_ca_path');
  const orgBlock = r.object('verify_organization');
  const eksBlock = r.object('validate_eks_cluster_membership');
  const config = {
    skipBlockDevice: r.boolean('skip_block_device') ?? false,
    disableInstanceProfileSelectors: r.boolean('disable_instance_profile_selectors') ?? false,
    assumeRole: r.string('assume_role') || undefined,
    localValidationAccountIds: new Set(r.stringList('account_ids_for_local_validation') ?? []),
    pathTemplate: AgentPathTemplate.parse(
      r.string('agent_path_template') ?? AWS_IID_DEFAULT_PATH_TEMPLATE,
      P,
    ),
    endpoints: {
      ec2: r.string('ec2_endpoint'),
      iam: r.string('iam_endpoint'),
      sts: r.string('sts_endpoint'),
    },
    awsTimeoutMs: readDuration(r, P, 'aws_timeout') ?? 20_000,
  };
  r.rejectUnknownKeys();
  if (partition !== 'aws' && partition !== 'aws-cn' && partition !== 'aws-us-gov') {
    fail('partition', 'must be one of aws, aws-cn, aws-us-gov');
  }
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    fail('access_key_id', 'and secret_access_key must be configured together');
  }
  if (eksBlock !== undefined) fail('validate_eks_cluster_membership', 'is not supported by lanyard yet');
  for (const [key, url] of Object.entries(config.endpoints))
    if (url !== undefined) assertUrl(url, `${key}_endpoint`);
  if (caPath === undefined) {
    fail('instance_identity_ca_path', 'is required: lanyard ships no built-in AWS signing certificates');
  }
  return {
    ...config,
    partition,
    credentials:
      accessKeyId && secretAccessKey
        ? {
            accessKeyId,
            secretAccessKey,
            sessionToken: data.access_key_id ? undefined : env.AWS_SESSION_TOKEN,
          }
        : undefined,
    verifyOrganization: orgBlock === undefined ? undefined : parseOrgBlock(orgBlock),
    signerCertsPem: readFile(caPath, 'instance_identity_ca_path'),
  };
}

function parseOrgBlock(block: PluginData): OrgAccountListConfig {
  const r = new PluginConfigReader(`${P}: verify_organization`, block);
  const accountListFile = r.string('account_list_file');
  const management = r.string('management_account_id');
  r.string('management_account_region');
  r.string('assume_org_role');
  const ttlMs = readDuration(r, `${P}: verify_organization`, 'org_account_map_ttl') ?? 180_000;
  r.rejectUnknownKeys();
  if (accountListFile === undefined) {
    const what =
      management === undefined
        ? 'account_list_file is required'
        : 'management_account_id (organizations API mode) is not supported by lanyard; use account_list_file';
    fail('verify_organization', what);
  }
  if (ttlMs < 60_000) fail('verify_organization.org_account_map_ttl', 'must be at least 1m');
  return { accountListFile, ttlMs };
}

function readFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(key, `cannot be read: ${(error as Error).message}`);
  }
}

function assertUrl(url: string, key: string): void {
  if (!/^https?:\/\/[^/]+/.test(url)) fail(key, 'must be an http or https URL');
}

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${P}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}
