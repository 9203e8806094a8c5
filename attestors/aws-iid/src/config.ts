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

/**
 * `verify_organization`: the account list comes from a file (`account_list_file`) or from the Organizations
 * API (`ListAccounts` with the role `assume_org_role` of `management_account_id`, in `management_account_region`).
 */
export type OrgAccountListConfig =
  | { readonly mode: 'file'; readonly accountListFile: string; readonly ttlMs: number }
  | {
      readonly mode: 'api';
      readonly managementAccountId: string;
      readonly assumeOrgRole: string;
      readonly region: string;
      readonly ttlMs: number;
    };

/** The AWS services aws_iid calls, each with a Lanyard endpoint override key `<name>_endpoint`. */
export const AWS_ENDPOINT_NAMES = ['ec2', 'iam', 'sts', 'organizations', 'eks', 'autoscaling'] as const;

/** One of {@link AWS_ENDPOINT_NAMES}. */
export type AwsEndpointName = (typeof AWS_ENDPOINT_NAMES)[number];

/** Server `plugin_data`. */
export interface AwsIidServerConfig {
  /** Keys from `access_key_id`/`secret_access_key`; absent → the SDK's standard credential chain. */
  readonly staticCredentials?: AwsCredentials;
  readonly skipBlockDevice: boolean;
  readonly disableInstanceProfileSelectors: boolean;
  readonly assumeRole?: string;
  readonly partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  readonly localValidationAccountIds: ReadonlySet<string>;
  readonly pathTemplate: AgentPathTemplate;
  readonly verifyOrganization?: OrgAccountListConfig;
  /** `validate_eks_cluster_membership.eks_cluster_names`: the instance must be a node of one of them. */
  readonly eksClusterNames?: readonly string[];
  /**
   * PEM certificates of the AWS identity-document signers (Lanyard: `instance_identity_ca_path`); absent → the
   * built-in per-region AWS certificates.
   */
  readonly signerCertsPem?: string;
  /** Endpoint overrides (Lanyard: `ec2_endpoint`, `iam_endpoint`, `sts_endpoint`, …). */
  readonly endpoints: Readonly<Partial<Record<AwsEndpointName, string>>>;
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

const EKS_FIELDS = { eks_cluster_names: field.stringList() };

const SERVER_PLUGIN_DATA = {
  access_key_id: field.string(),
  secret_access_key: field.string(),
  partition: field.string(),
  instance_identity_ca_path: field.string(),
  verify_organization: field.object(`${P} verify_organization`, ORG_FIELDS),
  validate_eks_cluster_membership: field.object(`${P} validate_eks_cluster_membership`, EKS_FIELDS),
  skip_block_device: field.bool(),
  disable_instance_profile_selectors: field.bool(),
  assume_role: field.string(),
  account_ids_for_local_validation: field.stringList(),
  agent_path_template: field.string(),
  ec2_endpoint: field.string(),
  iam_endpoint: field.string(),
  sts_endpoint: field.string(),
  organizations_endpoint: field.string(),
  eks_endpoint: field.string(),
  autoscaling_endpoint: field.string(),
  aws_timeout: field.duration(),
};

type Decoded = ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>;
type OrgData = NonNullable<Decoded['verify_organization']>;

/** SPIRE's default `management_account_region`. */
const DEFAULT_ORG_REGION = 'us-west-2';

/**
 * Parses and validates server `plugin_data`. Without `access_key_id`/`secret_access_key`, the AWS SDK's standard
 * credential chain is used when the server calls AWS.
 */
export function parseServerConfig(data: PluginData): AwsIidServerConfig {
  const d = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const partition = d.partition ?? 'aws';
  if (partition !== 'aws' && partition !== 'aws-cn' && partition !== 'aws-us-gov') {
    fail('partition', 'must be one of aws, aws-cn, aws-us-gov');
  }
  return {
    staticCredentials: parseStaticCredentials(d),
    skipBlockDevice: d.skip_block_device ?? false,
    disableInstanceProfileSelectors: d.disable_instance_profile_selectors ?? false,
    assumeRole: d.assume_role || undefined,
    partition,
    localValidationAccountIds: new Set(d.account_ids_for_local_validation ?? []),
    pathTemplate: AgentPathTemplate.parse(d.agent_path_template ?? AWS_IID_DEFAULT_PATH_TEMPLATE, P),
    verifyOrganization: d.verify_organization && parseOrgBlock(d.verify_organization),
    eksClusterNames: d.validate_eks_cluster_membership && parseEksBlock(d.validate_eks_cluster_membership),
    signerCertsPem:
      d.instance_identity_ca_path === undefined
        ? undefined
        : readFile(d.instance_identity_ca_path, 'instance_identity_ca_path'),
    endpoints: parseEndpoints(d),
    awsTimeoutMs: d.aws_timeout ?? 20_000,
  };
}

function parseStaticCredentials(d: Decoded): AwsCredentials | undefined {
  const { access_key_id: accessKeyId, secret_access_key: secretAccessKey } = d;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    fail('access_key_id', 'and secret_access_key must be configured together');
  }
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

function parseEndpoints(d: Decoded): Partial<Record<AwsEndpointName, string>> {
  const endpoints: Partial<Record<AwsEndpointName, string>> = {};
  for (const name of AWS_ENDPOINT_NAMES) {
    const url = d[`${name}_endpoint`];
    if (url === undefined) continue;
    assertUrl(url, `${name}_endpoint`);
    endpoints[name] = url;
  }
  return endpoints;
}

function parseOrgBlock(block: OrgData): OrgAccountListConfig {
  const ttlMs = block.org_account_map_ttl ?? 180_000;
  if (ttlMs < 60_000) fail('verify_organization.org_account_map_ttl', 'must be at least 1m');
  const { account_list_file: file, management_account_id: account, assume_org_role: role } = block;
  if (file !== undefined) {
    if (account !== undefined || role !== undefined) {
      fail(
        'verify_organization.account_list_file',
        'is mutually exclusive with management_account_id and assume_org_role',
      );
    }
    return { mode: 'file', accountListFile: file, ttlMs };
  }
  if (!account || !/^\d{12}$/.test(account)) {
    fail('verify_organization.management_account_id', 'is required and must be a 12-digit account id');
  }
  if (!role) fail('verify_organization.assume_org_role', 'is required with management_account_id');
  const region = block.management_account_region || DEFAULT_ORG_REGION;
  return { mode: 'api', managementAccountId: account, assumeOrgRole: role, region, ttlMs };
}

function parseEksBlock(block: { eks_cluster_names?: string[] }): string[] {
  const names = block.eks_cluster_names ?? [];
  if (names.length === 0 || names.some((n) => n === '')) {
    fail('validate_eks_cluster_membership.eks_cluster_names', 'is required and must list non-empty names');
  }
  return names;
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
