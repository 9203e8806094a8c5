/** How `debug getinfo` prints the agent Debug API's answer, pretty or as SPIRE's protojson. */
import { formatDuration } from '@lanyard/base';
import type { AgentGetInfoResponse__Output } from '@lanyard/proto';

type Cert = AgentGetInfoResponse__Output['svid_chain'][number];

/** Go's `time.RFC3339` in UTC: `2026-01-02T03:04:05Z`. */
function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function spiffeIdOf(cert: Cert): string {
  return cert.id ? `spiffe://${cert.id.trust_domain}${cert.id.path}` : '(none)';
}

/** SPIRE's pretty block: `Agent Debug Info:` then aligned fields and the SVID chain. */
export function renderGetInfoPretty(res: AgentGetInfoResponse__Output): string {
  const lastSync = Number(res.last_sync_success);
  let text = 'Agent Debug Info:\n';
  text += `  Uptime:                          ${formatDuration(Number(res.uptime) * 1000)}\n`;
  text += `  Last Sync Success:               ${lastSync === 0 ? '(never)' : rfc3339(lastSync)}\n`;
  text += `  Cached X.509 SVIDs:              ${res.cached_x509_svids_count}\n`;
  text += `  Cached JWT SVIDs:                ${res.cached_jwt_svids_count}\n`;
  text += `  Cached SVID Store X.509 SVIDs:   ${res.cached_svidstore_x509_svids_count}\n`;
  if (res.svid_chain.length > 0) text += '  SVID Chain:\n';
  res.svid_chain.forEach((cert, i) => {
    text += `    [${i}] SPIFFE ID:  ${spiffeIdOf(cert)}\n`;
    text += `        Subject:    ${cert.subject}\n`;
    text += `        Expires At: ${rfc3339(Number(cert.expires_at))}\n`;
  });
  return text;
}

/** `JSON.stringify` with Go's HTML-safe escapes (`<`, `>`, `&`, U+2028, U+2029). */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * SPIRE's `-output json`: protojson with proto field names and unpopulated fields, int64 values as strings,
 * keys sorted, `null`s (a certificate without SPIFFE ID) dropped; one line.
 */
export function renderGetInfoJson(res: AgentGetInfoResponse__Output): string {
  const chain = res.svid_chain.map((cert) => ({
    expires_at: String(cert.expires_at),
    ...(cert.id ? { id: { path: cert.id.path, trust_domain: cert.id.trust_domain } } : {}),
    subject: cert.subject,
  }));
  return `${goJson({
    cached_jwt_svids_count: res.cached_jwt_svids_count,
    cached_svidstore_x509_svids_count: res.cached_svidstore_x509_svids_count,
    cached_x509_svids_count: res.cached_x509_svids_count,
    last_sync_success: String(res.last_sync_success),
    svid_chain: chain,
    svids_count: res.svids_count,
    uptime: res.uptime,
  })}\n`;
}
