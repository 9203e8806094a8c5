import { readFileSync } from 'node:fs';
import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
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

const AGENT_PLUGIN_DATA = {
  ec2_metadata_endpoint: field.string(),
  imds_v1_fallback: field.bool(),
  metadata_timeout: field.duration(),
  metadata_attempts: field.int(),
};

/** Parses and validates agent `plugin_data`. */
export function parseAgentConfig(data: PluginData): AwsIidAgentConfig {
  const decoded = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  const endpoint = (decoded.ec2_metadata_endpoint ?? 'http://169.254.169.254').replace(/\/+$/, '');
  const config = {
    metadataEndpoint: endpoint.replace(/\/latest$/, ''),
    imdsV1Fallback: decoded.imds_v1_fallback ?? false,
    timeoutMs: decoded.metadata_timeout ?? 5000,
    attempts: decoded.metadata_attempts ?? 3,
  };
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

const ORG_FIELDS = {
  account_list_file: field.string(),
  management_account_id: field.string(),
  management_account_region: field.string(),
  assume_org_role: field.string(),
  org_account_map_ttl: field.duration(),
};

const SERVER_PLUGIN_DATA = {
  access_key_id: field.string(),
  secret_access_key: field.string(),
  partition: field.string(),
  instance_identity_ca_path: field.string(),
  verify_organization: field.object(`${P} verify_organization`, ORG_FIELDS),
  validate_eks_cluster_membership: field.raw(),
  skip_block_device: field.bool(),
  disable_instance_profile_selectors: field.bool(),
  assume_role: field.string(),
  account_ids_for_local_validation: field.stringList(),
  agent_path_template: field.string(),
  ec2_endpoint: field.string(),
  iam_endpoint: field.string(),
  sts_endpoint: field.string(),
  aws_timeout: field.duration(),
};

type OrgData = NonNullable<
  ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>['verify_organization']
>;

/**
 * Parses and validates server `plugin_data`. Credentials fall back to `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from `env`.
 */
export function parseServerConfig(
  data: PluginData,
  env: NodeJS.ProcessEnv = process.env,
): AwsIidServerConfig {
  const d = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const accessKeyId = d.access_key_id ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = d.secret_access_key ?? env.AWS_SECRET_ACCESS_KEY;
  const partition = d.partition ?? 'aws';
  const caPath = d.instance_identity_ca_path;
  const orgBlock = d.verify_organization;
  const eksBlock = d.validate_eks_cluster_membership;
  const config = {
    skipBlockDevice: d.skip_block_device ?? false,
    disableInstanceProfileSelectors: d.disable_instance_profile_selectors ?? false,
    assumeRole: d.assume_role || undefined,
    localValidationAccountIds: new Set(d.account_ids_for_local_validation ?? []),
    pathTemplate: AgentPathTemplate.parse(d.agent_path_template ?? AWS_IID_DEFAULT_PATH_TEMPLATE, P),
    endpoints: { ec2: d.ec2_endpoint, iam: d.iam_endpoint, sts: d.sts_endpoint },
    awsTimeoutMs: d.aws_timeout ?? 20_000,
  };
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

function parseOrgBlock(block: OrgData): OrgAccountListConfig {
  const accountListFile = block.account_list_file;
  const management = block.management_account_id;
  const ttlMs = block.org_account_map_ttl ?? 180_000;
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
