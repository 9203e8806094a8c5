import type {
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  Selector,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { parseJsonPayload, sortedUniqueSelectors } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { AwsClientFactory, type AwsSdk, loadAwsSdk } from './aws-sdk';
import { type AwsIidServerConfig, type OrgAccountListConfig, parseServerConfig } from './config';
import { checkBlockDevice, describeInstance, instanceProfileSelectors, instanceSelectors } from './ec2';
import { assertEksClusterMember } from './eks';
import { OrgAccountList, accountListFile, organizationsApi } from './org-accounts';
import {
  AWS_IID_MAX_PAYLOAD_BYTES,
  AWS_IID_PLUGIN_NAME,
  type IidAttestationData,
  documentSelectors,
  parseInstanceIdentity,
} from './shared';
import { AwsSignerCertificates } from './signature';

/**
 * Server half of `aws_iid`: verifies the identity document against the AWS signing certificates (built-in per
 * region, or `instance_identity_ca_path`), optionally checks organization and EKS cluster membership, looks the
 * instance up in EC2 (tags, security groups, instance profile roles, root-volume anti-tampering check) and
 * refuses a second attestation of the same instance (TOFU). AWS is called through the AWS SDK v3.
 */
export class AwsIidServerAttestor implements NodeAttestorServer {
  readonly name = AWS_IID_PLUGIN_NAME;
  private readonly signers: AwsSignerCertificates;
  private readonly clients: AwsClientFactory;
  private readonly org?: OrgAccountList;

  constructor(
    private readonly config: AwsIidServerConfig,
    private readonly deps: ServerAttestorDeps,
    private readonly sdk: AwsSdk,
  ) {
    this.signers =
      config.signerCertsPem === undefined
        ? AwsSignerCertificates.builtIn()
        : AwsSignerCertificates.fromPem(config.signerCertsPem);
    this.clients = new AwsClientFactory(sdk, config);
    this.org = config.verifyOrganization && this.orgAccounts(config.verifyOrganization);
  }

  /** Loads the organization account list file once so a broken file fails configuration, as in SPIRE. */
  async init(): Promise<void> {
    if (this.config.verifyOrganization?.mode === 'file' && !(await this.org?.reload())) {
      throw new InvalidArgumentError(
        'aws_iid: plugin_data.verify_organization.account_list_file is missing or not a JSON array of 12-digit account ids',
        'ERR_PLUGIN_CONFIG',
      );
    }
  }

  /** Verifies the payload and returns `spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance>`. */
  async attest(payload: Buffer): Promise<NodeAttestationResult> {
    const data = parsePayload(payload);
    const doc = parseInstanceIdentity(data.document);
    if (data.rsa2048) this.signers.verifyPkcs7(data.document, doc.region, data.rsa2048);
    else this.signers.verifyRsaSignature(data.document, doc.region, data.signature);
    await this.org?.assertMember(doc.accountId);

    const clients = this.clients.forAccount(doc.region, doc.accountId);
    if (this.config.eksClusterNames) {
      await assertEksClusterMember(this.sdk, clients, this.config.eksClusterNames, doc.instanceId);
    }
    const instance = await describeInstance(this.sdk, clients, doc.instanceId);
    if (!this.config.skipBlockDevice && !this.config.localValidationAccountIds.has(doc.accountId)) {
      checkBlockDevice(instance);
    }
    const agentId = this.config.pathTemplate.agentId(this.deps.trustDomain, {
      PluginName: AWS_IID_PLUGIN_NAME,
      AccountID: doc.accountId,
      Region: doc.region,
      InstanceID: doc.instanceId,
      ImageID: doc.imageId,
      AvailabilityZone: doc.availabilityZone,
      Tags: instance.tags,
    });
    if (await this.deps.attestedNodes.isAttested(agentId)) {
      throw new PermissionDeniedError(
        `aws_iid: attestation data has already been used to attest an agent (${agentId})`,
        'ERR_TOFU',
      );
    }
    const selectors: Selector[] = [...documentSelectors(doc), ...instanceSelectors(instance)];
    if (!this.config.disableInstanceProfileSelectors && instance.iamInstanceProfileArn) {
      selectors.push(...(await instanceProfileSelectors(this.sdk, clients, instance.iamInstanceProfileArn)));
    }
    return { agentId, selectors: sortedUniqueSelectors(AWS_IID_PLUGIN_NAME, selectors), canReattest: false };
  }

  private orgAccounts(config: OrgAccountListConfig): OrgAccountList {
    if (config.mode === 'file') {
      const source = accountListFile(config.accountListFile);
      return new OrgAccountList(
        source,
        `account list ${config.accountListFile}`,
        config.ttlMs,
        this.deps.now,
      );
    }
    let client: ReturnType<AwsClientFactory['organizations']> | undefined;
    const source = organizationsApi(this.sdk, () => {
      client ??= this.clients.organizations(config.managementAccountId, config.assumeOrgRole, config.region);
      return client;
    });
    return new OrgAccountList(source, 'organizations account list', config.ttlMs, this.deps.now);
  }
}

function parsePayload(payload: Buffer): IidAttestationData {
  if (payload.length === 0) throw invalid('missing attestation payload');
  const value = parseJsonPayload(
    payload,
    { what: 'attestation payload', maxBytes: AWS_IID_MAX_PAYLOAD_BYTES, invalid },
    'failed to unmarshal the attestation data: payload is not JSON',
  );
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('attestation data must be a JSON object');
  }
  const { document, signature, rsa2048 } = value as Record<string, unknown>;
  if (typeof document !== 'string' || document === '')
    throw invalid('attestation data field document is required');
  if (signature !== undefined && typeof signature !== 'string')
    throw invalid('attestation data field signature must be a string');
  if (rsa2048 !== undefined && typeof rsa2048 !== 'string')
    throw invalid('attestation data field rsa2048 must be a string');
  if (!signature && !rsa2048) throw invalid('instance identity cryptographic signature is required');
  return { document, signature: signature ?? '', rsa2048: rsa2048 || undefined };
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`aws_iid: ${reason}`, 'ERR_AWS_IID_PAYLOAD');
}

/** Catalog registration of the server half. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: AWS_IID_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    const attestor = new AwsIidServerAttestor(parseServerConfig(pluginData), deps, await loadAwsSdk());
    await attestor.init();
    return attestor;
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
