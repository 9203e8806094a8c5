import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeAttestorAgent, PluginData, ServerAttestorDeps } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { FakeAzureApis, FakeAzureImds, ManagedIdentityRelay } from '@lanyard/test-support';
import { agentPlugin, serverPlugin } from '../src';

export const DOMAIN = 'contoso.onmicrosoft.com';
export const APP = { app_id: '11111111-2222-3333-4444-555555555555', app_secret: 'imds-app-secret' };

/** The fakes one azure_imds test uses, a temp dir with the trust bundle, the attested set and a clock. */
export interface ImdsWorld {
  apis: FakeAzureApis;
  imds: FakeAzureImds;
  dir: string;
  bundlePath: string;
  /** The TLS CA of the Entra ID / ARM fake, given as `endpoint_ca_bundle_path`. */
  caPath: string;
  attested: Set<string>;
  clock: { now: number };
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
 * Starts fresh fakes (keys generated once per file), registers the VM, the tenant domain and an app. Entra ID and
 * ARM are served over TLS (the Azure SDK refuses plain HTTP) by a test CA the server trusts through
 * `endpoint_ca_bundle_path`. Tenants without credentials use the default credential chain: its managed identity is
 * the IMDS fake, reached through the file's {@link ManagedIdentityRelay} (`AZURE_POD_IDENTITY_AUTHORITY_HOST`).
 */
export async function startWorld(): Promise<ImdsWorld> {
  template ??= FakeAzureApis.create();
  const apis = await FakeAzureApis.create(await template, { tls: true });
  const imds = new FakeAzureImds(apis);
  await Promise.all([apis.start(), imds.start()]);
  apis.vms.push(imds.vm);
  apis.tenantDomains.set(DOMAIN, imds.vm.tenantId);
  apis.apps.set(`${imds.vm.tenantId}/${APP.app_id}`, APP.app_secret);
  const dir = mkdtempSync(join(tmpdir(), 'azure-imds-'));
  const bundlePath = join(dir, 'azure-roots.pem');
  writeFileSync(bundlePath, apis.pki.root.certPem);
  const caPath = join(dir, 'endpoint-ca.pem');
  writeFileSync(caPath, apis.caPem);
  const identity = await (relay ??= startRelay());
  identity.target = imds.url;
  return {
    apis,
    imds,
    dir,
    bundlePath,
    caPath,
    attested: new Set(),
    clock: { now: Date.now() },
    stop: async () => {
      identity.target = undefined;
      await Promise.all([apis.stop(), imds.stop()]);
    },
  };
}

export async function server(world: ImdsWorld, extra: PluginData = {}, tenant: PluginData = {}) {
  const deps: ServerAttestorDeps = {
    trustDomain: 'example.org',
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async (id) => world.attested.has(id) },
    now: () => world.clock.now,
  };
  const config = {
    tenants: { [DOMAIN]: tenant },
    trust_bundle_path: world.bundlePath,
    intermediate_issuer_hosts: [world.apis.aiaHost],
    authority_host: world.apis.url,
    resource_manager_endpoint: world.apis.url,
    endpoint_ca_bundle_path: world.caPath,
    ...extra,
  };
  return serverPlugin.create(config, deps);
}

export async function agent(world: ImdsWorld, extra: PluginData = {}): Promise<NodeAttestorAgent> {
  const config = {
    tenant_domain: DOMAIN,
    metadata_endpoint: world.imds.url,
    metadata_timeout: '300ms',
    metadata_attempts: 2,
    ...extra,
  };
  return agentPlugin.create(config, {
    trustDomain: 'example.org',
    logger: silentLogger,
    now: () => Date.now(),
  });
}

/** Runs the whole exchange in process: payload → challenge → response → result. */
export async function attestOnce(world: ImdsWorld, serverExtra: PluginData = {}, tenant: PluginData = {}) {
  const a = await agent(world);
  const s = await server(world, serverExtra, tenant);
  return s.attest(await a.payload(), (nonce) => a.respondToChallenge!(nonce));
}
