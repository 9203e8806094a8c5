import { randomInt } from 'node:crypto';
import type {
  ChallengeExchange,
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  Selector,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { parseJsonPayload, sortedUniqueSelectors } from '@lanyard/attestor-core';
import { ArmClient, armCredential } from '@lanyard/attestor-azure-msi/server';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { SignerChainValidator } from './chain';
import { type AzureImdsServerConfig, type ImdsTenantConfig, parseServerConfig } from './server-config';
import { verifyAttestedDocument } from './document';
import { resolveVmSelectors } from './resolve';
import {
  AZURE_IMDS_MAX_RESPONSE_BYTES,
  AZURE_IMDS_NONCE_LENGTH,
  AZURE_IMDS_PLUGIN_NAME,
  type AttestedDocumentContent,
  type ImdsAttestationPayload,
  imdsSelector,
} from './shared';
import { lookupTenantId } from './tenant-lookup';

const P = AZURE_IMDS_PLUGIN_NAME;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A configured tenant with its resolved ID and ARM client. */
interface Tenant {
  readonly id: string;
  readonly config: ImdsTenantConfig;
  readonly arm: ArmClient;
}

/**
 * Server half of `azure_imds`: challenges the agent with a fresh nonce, verifies the IMDS attested document
 * it returns (PKCS#7 signature, signer domain and chain, nonce, expiry), checks the tenant and subscription,
 * refuses an already attested VM (TOFU) and resolves selectors through ARM with the tenant's credentials
 * (`secret_auth`, `token_auth`, else the default credential chain) in the document's subscription.
 */
export class AzureImdsServerAttestor implements NodeAttestorServer {
  readonly name = P;
  private readonly chain: SignerChainValidator;

  constructor(
    private readonly config: AzureImdsServerConfig,
    private readonly tenants: ReadonlyMap<string, Tenant>,
    private readonly deps: ServerAttestorDeps,
  ) {
    this.chain = new SignerChainValidator(
      config.roots,
      config.allowedMetadataDomains,
      config.intermediateIssuerHosts,
    );
  }

  /** Runs the nonce challenge and returns `spiffe://<td>/spire/agent/azure_imds/<tenant>/<subscription>/<vm id>`. */
  async attest(payload: Buffer, challenge: ChallengeExchange): Promise<NodeAttestationResult> {
    if (payload.length === 0) throw invalid('missing attestation payload');
    const nonce = Array.from(
      { length: AZURE_IMDS_NONCE_LENGTH },
      () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)],
    ).join('');
    const response = parseResponse(await challenge(Buffer.from(nonce, 'utf8')));
    const doc = await verifyAttestedDocument(response.document, this.chain, this.deps.now());
    checkDocument(doc, nonce, this.deps.now());
    const tenant = this.tenants.get(response.metadata.agentDomain);
    if (!tenant)
      throw new PermissionDeniedError(
        `${P}: tenant "${response.metadata.agentDomain}" is not authorized`,
        'ERR_AZURE_TENANT',
      );
    const allowed = tenant.config.restrictToSubscriptions;
    if (allowed.size > 0 && !allowed.has(doc.subscriptionId)) {
      throw new PermissionDeniedError(
        `${P}: subscription "${doc.subscriptionId}" is not authorized`,
        'ERR_AZURE_SUBSCRIPTION',
      );
    }
    const agentId = this.config.pathTemplate.agentId(this.deps.trustDomain, {
      PluginName: P,
      TenantID: tenant.id,
      SubscriptionID: doc.subscriptionId,
      VMID: doc.vmId,
    });
    if (await this.deps.attestedNodes.isAttested(agentId)) {
      throw new PermissionDeniedError(
        `${P}: attestation data has already been used to attest an agent (${agentId})`,
        'ERR_TOFU',
      );
    }
    const selectors: Selector[] = [
      imdsSelector('subscription-id', doc.subscriptionId),
      ...(await resolveVmSelectors(
        tenant.arm,
        tenant.config,
        doc.subscriptionId,
        doc.vmId,
        response.metadata.vmssName,
      )),
    ];
    return { agentId, selectors: sortedUniqueSelectors(P, selectors), canReattest: false };
  }
}

function parseResponse(bytes: Buffer): ImdsAttestationPayload {
  const value = parseJsonPayload(
    bytes,
    { what: 'challenge response', maxBytes: AZURE_IMDS_MAX_RESPONSE_BYTES, invalid },
    'failed to unmarshal data payload: challenge response is not JSON',
  );
  const { document, metadata } = (value ?? {}) as Partial<ImdsAttestationPayload>;
  if (typeof document?.encoding !== 'string' || typeof document.signature !== 'string') {
    throw invalid('challenge response document must have string encoding and signature');
  }
  if (typeof metadata?.agentDomain !== 'string')
    throw invalid('challenge response metadata.agentDomain is required');
  const vmssName: unknown = metadata.vmssName ?? null;
  if (vmssName !== null && typeof vmssName !== 'string')
    throw invalid('challenge response metadata.vmssName must be a string or null');
  return { document, metadata: { agentDomain: metadata.agentDomain, vmssName: vmssName || null } };
}

function checkDocument(doc: AttestedDocumentContent, nonce: string, now: number): void {
  if (doc.nonce !== nonce) throw new PermissionDeniedError(`${P}: nonce mismatch`, 'ERR_AZURE_IMDS_NONCE');
  if (!UUID.test(doc.vmId)) throw invalid(`invalid VM ID "${doc.vmId}"`);
  if (doc.expiresAt !== undefined && doc.expiresAt < now) {
    throw new PermissionDeniedError(
      `${P}: attested document expired at ${new Date(doc.expiresAt).toISOString()}`,
      'ERR_AZURE_IMDS_EXPIRED',
    );
  }
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`${P}: ${reason}`, 'ERR_AZURE_IMDS_PAYLOAD');
}

/** Catalog registration of the server half; resolves every tenant domain to its tenant ID at configure time. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: P,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    const config = parseServerConfig(pluginData);
    const tenants = new Map<string, Tenant>();
    for (const [domain, tenant] of config.tenants) {
      const id = await lookupTenantId(config.endpoints, domain);
      const arm = new ArmClient(armCredential(id, tenant.auth, config.endpoints, P), config.endpoints, P);
      tenants.set(domain, { id, config: tenant, arm });
    }
    return new AzureImdsServerAttestor(config, tenants, deps);
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
