import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginData, ServerAttestorDeps } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { FakeAzureApis, FakeAzureImds, ManagedIdentityRelay } from '@lanyard/test-support';
import { agentPlugin, serverPlugin } from '../src';

export const APP = { appId: '11111111-2222-3333-4444-555555555555', appSecret: 'app-secret-for-tests' };

/** The fakes one azure_msi test uses, the attested set and a settable clock. */
export interface AzureWorld {
  apis: FakeAzureApis;
  imds: FakeAzureImds;
  attested: Set<string>;
  clock: { now: number };
  /** Temp dir holding `caPath` (the fake's TLS CA, given as `endpoint_ca_bundle_path`). */
  dir: string;
  caPath: string;
  stop(): Promise<void>;
}

let template: Promise<FakeAzureApis> | undefined;
let relay: Promise<ManagedIdentityRelay> | undefined;
afterAll(async () => (await relay)?.stop());

async function startRelay(): Promise<ManagedIdentityRelay> {
  const started = new ManagedIdentityRelay();
  await started.start();
  return started;
}

/**
 * Starts fresh fakes (keys generated once per file) with the sample VM registered in ARM and an app registration.
 * Entra ID and ARM are served over TLS (the Azure SDK refuses plain HTTP) by a test CA the server trusts through
 * `endpoint_ca_bundle_path`. Tenants without app credentials use the default credential chain: its managed identity is
 * the IMDS fake, reached through the file's {@link ManagedIdentityRelay} (`AZURE_POD_IDENTITY_AUTHORITY_HOST`), which
 * also serves the server's instance metadata (`metadata_endpoint`).
 */
export async function startWorld(): Promise<AzureWorld> {
  template ??= FakeAzureApis.create();
  const apis = await FakeAzureApis.create(await template, { tls: true });
  const imds = new FakeAzureImds(apis);
  await Promise.all([apis.start(), imds.start()]);
  apis.vms.push(imds.vm);
  apis.apps.set(`${imds.vm.tenantId}/${APP.appId}`, APP.appSecret);
  const dir = mkdtempSync(join(tmpdir(), 'azure-msi-'));
  const caPath = join(dir, 'endpoint-ca.pem');
  writeFileSync(caPath, apis.caPem);
  const identity = await (relay ??= startRelay());
  identity.target = imds.url;
  return {
    apis,
    imds,
    attested: new Set(),
    clock: { now: Date.now() },
    dir,
    caPath,
    stop: async () => {
      identity.target = undefined;
      await Promise.all([apis.stop(), imds.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function tenantId(world: AzureWorld): string {
  return world.imds.vm.tenantId;
}

export async function server(world: AzureWorld, extra: PluginData = {}, tenant: PluginData = {}) {
  const deps: ServerAttestorDeps = {
    trustDomain: 'example.org',
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async (id) => world.attested.has(id) },
    now: () => world.clock.now,
  };
  const config = {
    tenants: { [tenantId(world)]: tenant },
    authority_host: world.apis.url,
    resource_manager_endpoint: world.apis.url,
    endpoint_ca_bundle_path: world.caPath,
    metadata_endpoint: world.imds.url,
    ...extra,
  };
  return serverPlugin.create(config, deps);
}

export async function agentPayload(world: AzureWorld, extra: PluginData = {}): Promise<Buffer> {
  const config = {
    metadata_endpoint: world.imds.url,
    metadata_timeout: '300ms',
    metadata_attempts: 2,
    ...extra,
  };
  const agent = await agentPlugin.create(config, {
    trustDomain: 'example.org',
    logger: silentLogger,
    now: () => Date.now(),
  });
  return agent.payload();
}

export const noChallenge = async (): Promise<Buffer> => {
  throw new Error('azure_msi must not send a challenge');
};

/** Decodes the claims of the token inside an azure_msi payload. */
export function tokenClaims(payload: Buffer): Record<string, unknown> {
  const token = (JSON.parse(payload.toString()) as { token: string }).token;
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}
