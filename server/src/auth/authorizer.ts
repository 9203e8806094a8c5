import { PermissionDeniedError } from '@lanyard/base';
import type { DataStore } from '../datastore/types';
import type { MethodSpec } from '../api/boundary';
import { AgentPermissionDeniedError } from '../api/status-details';
import type { AuthorizedCaller, Caller } from './caller';
import { agentIdPrefix } from '@lanyard/attestor-core';

/** Options of {@link Authorizer}. */
export interface AuthorizerOptions {
  /** Our trust domain name. */
  trustDomain: string;
  /** `admin_ids`: callers with these SPIFFE IDs are admins without an entry. */
  adminIds: readonly string[];
  datastore: DataStore;
  /** Entries whose SPIFFE ID is exactly this ID (from the in-memory cache; admin/downstream flags). */
  entriesForSpiffeId: (spiffeId: string) => ReadonlyArray<{ admin: boolean; downstream: boolean }>;
}

/**
 * SPIRE's caller authorization: local socket callers are admitted where the policy lists `local` (and are
 * admins there); TLS callers are identified by the X509-SVID
 * that chained to our bundle and may be agents (attested, not banned, presenting their current or newly
 * renewed certificate), admins (`admin_ids` or an entry with `admin`) or downstream servers (`downstream` entry).
 */
export class Authorizer {
  private readonly adminIds: Set<string>;
  private readonly agentPrefix: string;

  constructor(private readonly opts: AuthorizerOptions) {
    this.adminIds = new Set(opts.adminIds);
    this.agentPrefix = agentIdPrefix(opts.trustDomain);
  }

  /** Returns the caller with the role it was admitted under, or throws PermissionDenied. */
  async authorize(caller: Caller, spec: MethodSpec): Promise<AuthorizedCaller> {
    const roles = spec.roles;
    const localAdmin = caller.local;
    if (roles.includes('any')) return { ...caller, admin: localAdmin };
    if (caller.local && roles.includes('local')) return { ...caller, admin: true };
    const id = caller.spiffeId;
    if (id !== undefined) {
      if (roles.includes('admin') && this.isAdmin(id)) return { ...caller, admin: true };
      if (roles.includes('agent') && id.startsWith(this.agentPrefix)) {
        return { ...caller, admin: false, agent: await this.checkAgent(caller, id) };
      }
      if (roles.includes('downstream') && this.opts.entriesForSpiffeId(id).some((e) => e.downstream)) {
        return { ...caller, admin: false };
      }
    }
    throw new PermissionDeniedError(`authorization denied for method ${spec.method}`, 'ERR_AUTHZ_DENIED');
  }

  /** True when the ID is in `admin_ids` or has an entry flagged admin. */
  isAdmin(spiffeId: string): boolean {
    return this.adminIds.has(spiffeId) || this.opts.entriesForSpiffeId(spiffeId).some((e) => e.admin);
  }

  private async checkAgent(caller: Caller, id: string) {
    const ds = this.opts.datastore;
    const node = await ds.getNode(id);
    if (node === undefined)
      throw new AgentPermissionDeniedError(`agent "${id}" is not attested`, 'AGENT_NOT_ATTESTED');
    if (node.banned) throw new AgentPermissionDeniedError(`agent "${id}" is banned`, 'AGENT_BANNED');
    if (caller.certSerial === node.certSerialNumber) return node;
    if (node.newCertSerialNumber !== '' && caller.certSerial === node.newCertSerialNumber) {
      // First use of a renewed SVID makes it current (SPIRE's RenewAgent semantics).
      return ds.updateNode({
        ...node,
        certSerialNumber: node.newCertSerialNumber,
        certNotAfter: node.newCertNotAfter,
        newCertSerialNumber: '',
        newCertNotAfter: 0,
      });
    }
    throw new AgentPermissionDeniedError(
      `agent "${id}" expected to have serial number "${node.certSerialNumber}"; has "${caller.certSerial ?? ''}"`,
      'AGENT_NOT_ACTIVE',
    );
  }
}
