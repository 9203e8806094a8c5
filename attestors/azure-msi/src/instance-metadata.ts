import { fetchMetadata } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';
import type { ImdsAccess } from './config';
import { AZURE_MSI_PLUGIN_NAME } from './shared';

const P = AZURE_MSI_PLUGIN_NAME;

/** IMDS API version SPIRE uses for the server's instance metadata. */
export const INSTANCE_METADATA_API_VERSION = '2025-04-07';

/**
 * Reads the server's own compute metadata from IMDS (`/metadata/instance`, `Metadata: true`) and returns its
 * subscription ID, as SPIRE does for azure_msi tenants without app credentials. Like SPIRE, the answer must name the
 * instance, its subscription and its resource group.
 * @throws UnavailableError naming the reason when IMDS cannot be reached, refuses, or answers incompletely.
 */
export async function fetchServerSubscription(imds: ImdsAccess): Promise<string> {
  const query = new URLSearchParams({ 'api-version': INSTANCE_METADATA_API_VERSION, format: 'json' });
  const res = await fetchMetadata(
    `${imds.metadataEndpoint}/metadata/instance?${query}`,
    { method: 'GET', headers: { Metadata: 'true' } },
    { what: `${P}: instance metadata`, timeoutMs: imds.timeoutMs, attempts: imds.attempts },
  );
  if (res.status !== 200)
    throw unavailable(`unexpected status code ${res.status}: ${res.body.slice(0, 200)}`);
  let compute: Record<string, unknown> | undefined;
  try {
    compute = (JSON.parse(res.body) as { compute?: Record<string, unknown> } | null)?.compute;
  } catch {
    throw unavailable('unable to decode response: not JSON');
  }
  for (const [key, what] of [
    ['name', 'instance name'],
    ['subscriptionId', 'instance subscription id'],
    ['resourceGroupName', 'instance resource group name'],
  ]) {
    const value = compute?.[key];
    if (typeof value !== 'string' || value === '') throw unavailable(`response missing ${what}`);
  }
  return String(compute?.subscriptionId);
}

function unavailable(reason: string): UnavailableError {
  return new UnavailableError(`${P}: instance metadata: ${reason}`, 'ERR_AZURE_IMDS');
}
