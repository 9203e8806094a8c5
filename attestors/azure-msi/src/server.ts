import type {
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { parseJsonPayload, sortedUniqueSelectors } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { ArmClient } from './arm';
import { armCredential } from './credential';
import { type AzureMsiServerConfig, type MsiTenantConfig, fail, parseServerConfig } from './config';
import { fetchServerSubscription } from './instance-metadata';
import { verifyMsiToken } from './jwt';
import { OidcKeySet } from './oidc-keys';
import { resolveArmSelectors } from './resolve';
import { AZURE_MSI_MAX_PAYLOAD_BYTES, AZURE_MSI_PLUGIN_NAME } from './shared';

const P = AZURE_MSI_PLUGIN_NAME;
const LEEWAY_SECONDS = 300;

/** Where a tenant's ARM lookups go: the subscription searched and the client calling with the tenant's credential. */
interface TenantArm {
  readonly subscriptionId: string;
  readonly client: ArmClient;
}

/**
 * Server half of `azure_msi`: verifies the MSI token against Entra ID's published keys, requires its tenant to be
 * configured and its audience to be the tenant's `resource_id`, refuses an already attested principal (TOFU), and
 * resolves selectors through ARM in the tenant's subscription (with its app credentials, else the default credential
 * chain).
 */
export class AzureMsiServerAttestor implements NodeAttestorServer {
  readonly name = P;
  private readonly keys: OidcKeySet;
  private readonly arm = new Map<string, TenantArm>();

  /** `subscriptions` holds every tenant's subscription ID (see {@link resolveSubscriptions}). */
  constructor(
    private readonly config: AzureMsiServerConfig,
    subscriptions: ReadonlyMap<string, string>,
    private readonly deps: ServerAttestorDeps,
  ) {
    this.keys = new OidcKeySet(
      `${config.endpoints.authorityHost}/common/.well-known/openid-configuration`,
      deps.now,
      P,
      config.endpoints.tlsSettings,
    );
    for (const [tenantId, tenant] of config.tenants) {
      const subscriptionId = subscriptions.get(tenantId);
      if (subscriptionId === undefined) fail(P, `tenants "${tenantId}".subscription_id`, 'is not resolved');
      const credential = armCredential(tenantId, tenant.app, config.endpoints, P);
      this.arm.set(tenantId, { subscriptionId, client: new ArmClient(credential, config.endpoints, P) });
    }
  }

  /** Verifies the token and returns `spiffe://<td>/spire/agent/azure_msi/<tenant>/<principal>`. */
  async attest(payload: Buffer): Promise<NodeAttestationResult> {
    const claims = await verifyMsiToken(parseToken(payload), {
      key: (kid) => this.keys.key(kid),
      nowMs: this.deps.now(),
      leewaySeconds: LEEWAY_SECONDS,
      plugin: P,
    });
    const { tid, sub } = claims;
    if (typeof tid !== 'string' || tid === '')
      throw new InvalidArgumentError(`${P}: token missing tenant ID claim`, 'ERR_JWT');
    if (typeof sub !== 'string' || sub === '')
      throw new InvalidArgumentError(`${P}: token missing subject claim`, 'ERR_JWT');
    const tenant = this.config.tenants.get(tid);
    const arm = this.arm.get(tid);
    if (!tenant || !arm)
      throw new PermissionDeniedError(`${P}: tenant "${tid}" is not authorized`, 'ERR_AZURE_TENANT');
    checkIssuerAndAudience(claims, tid, tenant);

    const agentId = this.config.pathTemplate.agentId(this.deps.trustDomain, {
      PluginName: P,
      TenantID: tid,
      PrincipalID: sub,
    });
    if (await this.deps.attestedNodes.isAttested(agentId)) {
      throw new PermissionDeniedError(
        `${P}: attestation data has already been used to attest an agent (${agentId})`,
        'ERR_TOFU',
      );
    }
    const selectors = await resolveArmSelectors(arm.client, arm.subscriptionId, sub);
    return { agentId, selectors: sortedUniqueSelectors(P, selectors), canReattest: false };
  }
}

function parseToken(payload: Buffer): string {
  if (payload.length === 0) throw invalid('missing attestation payload');
  const value = parseJsonPayload(
    payload,
    { what: 'attestation payload', maxBytes: AZURE_MSI_MAX_PAYLOAD_BYTES, invalid },
    'failed to unmarshal data payload: payload is not JSON',
  );
  const token = (value as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || token === '') throw invalid('missing token from attestation data');
  return token;
}

function checkIssuerAndAudience(claims: Record<string, unknown>, tid: string, tenant: MsiTenantConfig): void {
  const issuers = [`https://sts.windows.net/${tid}/`, `https://login.microsoftonline.com/${tid}/v2.0`];
  if (!issuers.includes(String(claims.iss))) {
    throw new PermissionDeniedError(
      `${P}: token issuer ${JSON.stringify(claims.iss)} does not match tenant ${tid}`,
      'ERR_JWT',
    );
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(tenant.resourceId)) {
    throw new PermissionDeniedError(
      `${P}: token audience ${JSON.stringify(claims.aud)} is not the tenant's resource_id ${tenant.resourceId}`,
      'ERR_JWT',
    );
  }
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`${P}: ${reason}`, 'ERR_AZURE_MSI_PAYLOAD');
}

/** Catalog registration of the server half. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: P,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    const config = parseServerConfig(pluginData);
    return new AzureMsiServerAttestor(config, await resolveSubscriptions(config), deps);
  },
};

/**
 * Every tenant's subscription: its `subscription_id`, else (as SPIRE) the subscription of the VM the server runs on,
 * read once from IMDS. Fails configuration, naming the tenants, when that metadata cannot be fetched.
 */
export async function resolveSubscriptions(config: AzureMsiServerConfig): Promise<Map<string, string>> {
  const subscriptions = new Map<string, string>();
  const unset = [...config.tenants].filter(([, tenant]) => tenant.subscriptionId === undefined);
  for (const [tenantId, tenant] of config.tenants)
    if (tenant.subscriptionId !== undefined) subscriptions.set(tenantId, tenant.subscriptionId);
  if (unset.length === 0) return subscriptions;
  let own: string;
  try {
    own = await fetchServerSubscription(config.imds);
  } catch (error) {
    const names = unset.map(([tenantId]) => `"${tenantId}"`).join(', ');
    return fail(
      P,
      `tenants ${names}`,
      `has no app credentials, so the default credential needs the server's subscription from its instance metadata, which cannot be fetched: ${(error as Error).message}`,
    );
  }
  for (const [tenantId] of unset) subscriptions.set(tenantId, own);
  return subscriptions;
}

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
export * from './arm';
export * from './network';
export * from './resolve';
export * from './credential';
export * from './endpoints';
export * from './http-json';
export { fail } from './config-error';
