/**
 * Field builders for the server's identity trail events (see docs/audit.md): who called, an entry's state.
 * Nothing here ever puts a secret (token, key) in a trail line.
 */
import type { TrailEventInput } from '@lanyard/common';
import type { AuthorizedCaller } from '../auth/caller';
import type { RegistrationEntry } from '../datastore/types';

/** The caller of an admin change (`who`): SPIFFE ID on TLS, uid/gid/path on the admin socket, and address. */
export function whoCalled(caller: AuthorizedCaller): Record<string, unknown> {
  const who: Record<string, unknown> = { caller_addr: caller.addr };
  if (caller.spiffeId !== undefined) who.caller_id = caller.spiffeId;
  if (caller.uid !== undefined) who.caller_uid = caller.uid;
  if (caller.gid !== undefined) who.caller_gid = caller.gid;
  if (caller.path !== undefined) who.caller_path = caller.path;
  return who;
}

/** An entry as the trail shows it (`before` / `after`): SPIRE's field names, selectors as `type:value`. */
export function entryState(entry: RegistrationEntry): Record<string, unknown> {
  return {
    id: entry.id,
    spiffe_id: entry.spiffeId,
    parent_id: entry.parentId,
    selectors: entry.selectors.map((s) => `${s.type}:${s.value}`),
    x509_svid_ttl: entry.x509SvidTtl,
    jwt_svid_ttl: entry.jwtSvidTtl,
    dns_names: entry.dnsNames,
    federates_with: entry.federatesWith,
    admin: entry.admin,
    downstream: entry.downstream,
    expires_at: entry.expiresAt,
    hint: entry.hint,
    revision_number: entry.revisionNumber,
  };
}

/** The `x509_svid_issued` event of an issued SVID, with where it went (`entry_id`, `agent_id`, the caller…). */
export function x509SvidIssued(
  svid: { spiffeId: string; serialNumber: string; expiresAt: number },
  where: Record<string, unknown>,
): TrailEventInput {
  return {
    event: 'x509_svid_issued',
    spiffe_id: svid.spiffeId,
    serial: svid.serialNumber,
    expires_at: svid.expiresAt,
    ...where,
  };
}

/** The `jwt_svid_minted` event of a minted token (never the token), with where it went. */
export function jwtSvidMinted(
  jwt: { spiffeId: string; jti?: string; expiresAt: number },
  audience: readonly string[],
  where: Record<string, unknown>,
): TrailEventInput {
  return {
    event: 'jwt_svid_minted',
    spiffe_id: jwt.spiffeId,
    audience,
    ...(jwt.jti === undefined ? {} : { jti: jwt.jti }),
    expires_at: jwt.expiresAt,
    ...where,
  };
}
