import type { CommonClientOptions } from '@azure/core-client';
import { tlsPolicy } from '@azure/core-rest-pipeline';
import type { AzureEndpoints } from './endpoints';

/**
 * Pipeline options every Azure SDK client of the attestors gets: when `endpoint_ca_bundle_path` is set, a TLS policy
 * that trusts Node's roots plus that bundle for every request (Entra ID and ARM); otherwise nothing (Node defaults).
 */
export function sdkClientOptions(endpoints: AzureEndpoints): CommonClientOptions {
  if (endpoints.tlsSettings === undefined) return {};
  return { additionalPolicies: [{ policy: tlsPolicy(endpoints.tlsSettings), position: 'perCall' }] };
}
