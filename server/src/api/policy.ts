import type { Role } from '../auth/caller';

/** Where a service is served: on both listeners, or only on the local admin socket (like SPIRE's UDS-only APIs). */
export type ServiceListeners = 'tcp+uds' | 'uds';

/** One service's rows of the authorization table. */
export interface ServicePolicy {
  /** Listeners the service is registered on. */
  readonly listeners: ServiceListeners;
  /** RPC name → the caller kinds admitted (`any` admits every caller, with or without a certificate). */
  readonly methods: Readonly<Record<string, readonly Role[]>>;
}

const ADMIN: readonly Role[] = ['local', 'admin'];
const LOCAL: readonly Role[] = ['local'];
const AGENT: readonly Role[] = ['agent'];
const DOWNSTREAM: readonly Role[] = ['downstream'];
const ANY: readonly Role[] = ['any'];

/** Every method of `methods` admitted for the same caller kinds. */
function all(roles: readonly Role[], methods: readonly string[]): Record<string, readonly Role[]> {
  return Object.fromEntries(methods.map((method) => [method, roles]));
}

/**
 * The server's whole authorization policy: SPIRE's default policy (`pkg/server/authpolicy/policy_data.json`),
 * method by method, plus SPIRE's choice of listener per service (Health, Debug and Logger only on the Unix
 * socket), plus Lanyard's EntryWatch extension. Registration reads this table (`specFor`), so no RPC can be served without a row here.
 */
export const AUTHORIZATION_POLICY: Readonly<Record<string, ServicePolicy>> = {
  'spire.api.server.svid.v1.SVID': {
    listeners: 'tcp+uds',
    methods: {
      ...all(ADMIN, ['MintX509SVID', 'MintJWTSVID', 'MintWITSVID']),
      ...all(AGENT, ['BatchNewX509SVID', 'NewJWTSVID', 'BatchNewWITSVID']),
      NewDownstreamX509CA: DOWNSTREAM,
    },
  },
  'spire.api.server.bundle.v1.Bundle': {
    listeners: 'tcp+uds',
    methods: {
      GetBundle: ANY,
      ...all(ADMIN, [
        'AppendBundle',
        'CountBundles',
        'ListFederatedBundles',
        'BatchCreateFederatedBundle',
        'BatchUpdateFederatedBundle',
        'BatchSetFederatedBundle',
        'BatchDeleteFederatedBundle',
      ]),
      ...all(DOWNSTREAM, ['PublishJWTAuthority', 'PublishWITAuthority']),
      GetFederatedBundle: ['local', 'admin', 'agent'],
    },
  },
  'spire.api.server.entry.v1.Entry': {
    listeners: 'tcp+uds',
    methods: {
      ...all(ADMIN, [
        'CountEntries',
        'ListEntries',
        'GetEntry',
        'BatchCreateEntry',
        'BatchUpdateEntry',
        'BatchDeleteEntry',
      ]),
      ...all(AGENT, ['GetAuthorizedEntries', 'SyncAuthorizedEntries']),
    },
  },
  'spire.api.server.agent.v1.Agent': {
    listeners: 'tcp+uds',
    methods: {
      ...all(ADMIN, ['CountAgents', 'ListAgents', 'GetAgent', 'DeleteAgent', 'BanAgent', 'CreateJoinToken']),
      AttestAgent: ANY,
      ...all(AGENT, ['RenewAgent', 'PostStatus']),
    },
  },
  'spire.api.server.trustdomain.v1.TrustDomain': {
    listeners: 'tcp+uds',
    methods: all(ADMIN, [
      'ListFederationRelationships',
      'GetFederationRelationship',
      'BatchCreateFederationRelationship',
      'BatchUpdateFederationRelationship',
      'BatchDeleteFederationRelationship',
      'RefreshBundle',
    ]),
  },
  'spire.api.server.localauthority.v1.LocalAuthority': {
    listeners: 'tcp+uds',
    methods: all(
      ADMIN,
      ['JWT', 'X509', 'WIT']
        .flatMap((kind) => [
          `Get${kind}AuthorityState`,
          `Prepare${kind}Authority`,
          `Activate${kind}Authority`,
          `Taint${kind}Authority`,
          `Revoke${kind}Authority`,
        ])
        .concat(['TaintX509UpstreamAuthority', 'RevokeX509UpstreamAuthority']),
    ),
  },
  'spire.api.server.debug.v1.Debug': { listeners: 'uds', methods: { GetInfo: LOCAL } },
  // Lanyard extension: pushed authorized-entry changes for agents (served only when push is enabled).
  'lanyard.agent.v1.EntryWatch': { listeners: 'tcp+uds', methods: { Watch: AGENT } },
  'spire.api.server.logger.v1.Logger': {
    listeners: 'uds',
    methods: all(LOCAL, ['GetLogger', 'SetLogLevel', 'ResetLogLevel']),
  },
  'grpc.health.v1.Health': { listeners: 'uds', methods: all(LOCAL, ['Check', 'List', 'Watch']) },
};

/**
 * The caller kinds admitted to `method` of `fullService`.
 * @throws Error when the table has no row for the method (a programming error caught at startup).
 */
export function policyFor(fullService: string, method: string): readonly Role[] {
  const roles = AUTHORIZATION_POLICY[fullService]?.methods[method];
  if (roles === undefined) throw new Error(`no authorization policy for /${fullService}/${method}`);
  return roles;
}

/** True when the service is served on the TCP listener too (false: admin socket only). */
export function servedOnTcp(fullService: string): boolean {
  const policy = AUTHORIZATION_POLICY[fullService];
  if (policy === undefined) throw new Error(`no authorization policy for service ${fullService}`);
  return policy.listeners === 'tcp+uds';
}
