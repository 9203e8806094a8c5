import { type TlsSettings, createDefaultHttpClient, createPipelineRequest } from '@azure/core-rest-pipeline';

const httpClient = createDefaultHttpClient();

/**
 * GETs a JSON object from Entra ID (OIDC discovery, JWKS) with the SDK's HTTP client, with `tlsSettings` (the roots
 * of `endpoint_ca_bundle_path`) when given.
 * @throws Error with the HTTP status, or when the body is not a JSON object.
 */
export async function getJsonObject(
  url: string,
  timeoutMs: number,
  tlsSettings?: TlsSettings,
): Promise<Record<string, unknown>> {
  const request = createPipelineRequest({
    url,
    method: 'GET',
    timeout: timeoutMs,
    allowInsecureConnection: url.startsWith('http:'),
  });
  request.tlsSettings = tlsSettings;
  const response = await httpClient.sendRequest(request);
  if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
  const body: unknown = JSON.parse(response.bodyAsText ?? '');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not a JSON object');
  return body as Record<string, unknown>;
}
