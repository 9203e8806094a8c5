import { readFileSync } from 'node:fs';
import type { TlsSettings } from '@azure/core-rest-pipeline';
import { rootCertificates } from 'node:tls';
import { field } from '@lanyard/attestor-core';
import { decodePem } from '@lanyard/base';
import { fail } from './config-error';

/** Entra ID authority of the Azure public cloud. */
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Azure Resource Manager of the Azure public cloud. */
export const DEFAULT_RESOURCE_MANAGER = 'https://management.azure.com';

/** Lanyard endpoint overrides shared by the Azure attestors. */
export interface AzureEndpoints {
  /** Entra ID authority; default `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** Whether `authority_host` was configured (the Azure SDK then skips instance discovery against the public cloud). */
  readonly customAuthority: boolean;
  /** Azure Resource Manager; default `https://management.azure.com`. */
  readonly resourceManager: string;
  /**
   * TLS settings for both endpoints when `endpoint_ca_bundle_path` is set: Node's built-in roots plus the file's
   * certificates. One object per configuration, so the SDK's HTTP client reuses one agent for it. `undefined` keeps
   * Node's defaults (including `NODE_EXTRA_CA_CERTS`).
   */
  readonly tlsSettings?: TlsSettings;
}

/** Lanyard's endpoint keys, shared by the server halves of azure_msi and azure_imds. */
export const ENDPOINT_FIELDS = {
  authority_host: field.string(),
  resource_manager_endpoint: field.string(),
  endpoint_ca_bundle_path: field.string(),
};

/** Reads the Lanyard endpoint keys shared by azure_msi and azure_imds. */
export function readEndpoints(
  values: { authority_host?: string; resource_manager_endpoint?: string; endpoint_ca_bundle_path?: string },
  plugin: string,
): AzureEndpoints {
  const endpoints = {
    authorityHost: (values.authority_host ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, ''),
    customAuthority: values.authority_host !== undefined,
    resourceManager: (values.resource_manager_endpoint ?? DEFAULT_RESOURCE_MANAGER).replace(/\/+$/, ''),
    tlsSettings:
      values.endpoint_ca_bundle_path === undefined
        ? undefined
        : { ca: [...rootCertificates, ...readCaBundle(values.endpoint_ca_bundle_path, plugin)] },
  };
  assertUrl(plugin, endpoints.authorityHost, 'authority_host');
  assertUrl(plugin, endpoints.resourceManager, 'resource_manager_endpoint');
  return endpoints;
}

function readCaBundle(path: string, plugin: string): string[] {
  const key = 'endpoint_ca_bundle_path';
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(plugin, key, `cannot be read: ${(error as Error).message}`);
  }
  let count = 0;
  try {
    count = decodePem(pem, 'CERTIFICATE').length;
  } catch (error) {
    fail(plugin, key, `is not valid PEM: ${(error as Error).message}`);
  }
  if (count === 0) fail(plugin, key, 'holds no PEM certificate');
  return [pem];
}

/** Throws the standard config error unless `url` is an http or https URL. */
export function assertUrl(plugin: string, url: string, key: string): void {
  if (!/^https?:\/\/[^/]+/.test(url)) fail(plugin, key, 'must be an http or https URL');
}
