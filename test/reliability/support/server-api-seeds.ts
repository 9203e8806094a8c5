/**
 * Valid requests per server API method, the starting points the mutators work from. A method not listed here
 * starts from the empty message (valid for every method). Values are well-formed so that mutations reach the
 * validation code behind the decoder.
 */

/** What the seeds refer to: a CSR, an existing entry and an agent, the trust domain. */
export interface SeedContext {
  readonly trustDomain: string;
  readonly csr: Buffer;
  readonly entryId: string;
  readonly agentPath: string;
  readonly certDer: Buffer;
  readonly publicKeyDer: Buffer;
}

const id = (trustDomain: string, p: string) => ({ trust_domain: trustDomain, path: p });

function entrySeeds(c: SeedContext): Record<string, object[]> {
  const entry = {
    spiffe_id: id(c.trustDomain, '/fuzz/workload'),
    parent_id: id(c.trustDomain, '/fuzz/parent'),
    selectors: [{ type: 'unix', value: 'uid:4242' }],
    x509_svid_ttl: 600,
    dns_names: ['fuzz.example.org'],
  };
  return {
    ListEntries: [{ filter: { by_spiffe_id: entry.spiffe_id }, page_size: 10 }],
    GetEntry: [{ id: c.entryId }],
    BatchCreateEntry: [{ entries: [entry] }],
    BatchUpdateEntry: [{ entries: [{ ...entry, id: c.entryId }], input_mask: { x509_svid_ttl: true } }],
    BatchDeleteEntry: [{ ids: ['no-such-entry'] }],
    SyncAuthorizedEntries: [{ ids: [c.entryId] }],
  };
}

function agentSeeds(c: SeedContext): Record<string, object[]> {
  const agent = id(c.trustDomain, c.agentPath);
  return {
    ListAgents: [{ filter: { by_attestation_type: 'join_token' }, page_size: 5 }],
    GetAgent: [{ id: agent }],
    DeleteAgent: [{ id: id(c.trustDomain, '/spire/agent/join_token/none') }],
    BanAgent: [{ id: id(c.trustDomain, '/spire/agent/join_token/none') }],
    AttestAgent: [
      {
        params: {
          data: { type: 'join_token', payload: Buffer.from('no-such-token') },
          params: { csr: c.csr },
        },
      },
    ],
    RenewAgent: [{ params: { csr: c.csr } }],
    CreateJoinToken: [{ ttl: 60, agent_id: id(c.trustDomain, '/fuzz/node') }],
  };
}

function bundleSeeds(c: SeedContext): Record<string, object[]> {
  const jwtKey = { public_key: c.publicKeyDer, key_id: 'fuzz-kid', expires_at: 4_000_000_000 };
  const bundle = { trust_domain: 'fuzz.test', x509_authorities: [{ asn1: c.certDer }] };
  return {
    AppendBundle: [{ jwt_authorities: [jwtKey] }],
    PublishJWTAuthority: [{ jwt_authority: jwtKey }],
    GetFederatedBundle: [{ trust_domain: 'fuzz.test' }],
    BatchCreateFederatedBundle: [{ bundle: [bundle] }],
    BatchUpdateFederatedBundle: [{ bundle: [bundle] }],
    BatchSetFederatedBundle: [{ bundle: [bundle] }],
    BatchDeleteFederatedBundle: [{ trust_domains: ['fuzz.test'] }],
  };
}

function svidSeeds(c: SeedContext): Record<string, object[]> {
  return {
    MintX509SVID: [{ csr: c.csr, ttl: 60 }],
    MintJWTSVID: [{ id: id(c.trustDomain, '/fuzz/jwt'), audience: ['fuzz'], ttl: 60 }],
    MintWITSVID: [{ id: id(c.trustDomain, '/fuzz/wit'), public_key: c.publicKeyDer, ttl: 60 }],
    BatchNewX509SVID: [{ params: [{ entry_id: c.entryId, csr: c.csr }] }],
    BatchNewWITSVID: [{ params: [{ entry_id: c.entryId, public_key: c.publicKeyDer }] }],
    NewJWTSVID: [{ entry_id: c.entryId, audience: ['fuzz'] }],
    NewDownstreamX509CA: [{ csr: c.csr, preferred_ttl: 60 }],
  };
}

function otherSeeds(): Record<string, object[]> {
  const relationship = {
    trust_domain: 'fuzz-federated.test',
    bundle_endpoint_url: 'https://127.0.0.1:1/bundle',
    https_web: {},
  };
  return {
    GetFederationRelationship: [{ trust_domain: 'fuzz-federated.test' }],
    BatchCreateFederationRelationship: [{ federation_relationships: [relationship] }],
    BatchUpdateFederationRelationship: [{ federation_relationships: [relationship] }],
    BatchDeleteFederationRelationship: [{ trust_domains: ['fuzz-federated.test'] }],
    RefreshBundle: [{ trust_domain: 'no-such-federated.test' }],
    ActivateJWTAuthority: [{ authority_id: 'no-such-authority' }],
    TaintJWTAuthority: [{ authority_id: 'no-such-authority' }],
    RevokeJWTAuthority: [{ authority_id: 'no-such-authority' }],
    ActivateX509Authority: [{ authority_id: 'no-such-authority' }],
    TaintX509Authority: [{ authority_id: 'no-such-authority' }],
    RevokeX509Authority: [{ authority_id: 'no-such-authority' }],
    TaintX509UpstreamAuthority: [{ subject_key_id: 'no-such-authority' }],
    RevokeX509UpstreamAuthority: [{ subject_key_id: 'no-such-authority' }],
    Check: [{ service: 'spire.api.server.entry.v1.Entry' }],
    Watch: [{ service: '' }],
  };
}

/** Seed requests of every method that has a useful non-empty one, keyed by method name. */
export function serverApiSeeds(c: SeedContext): Record<string, object[]> {
  return { ...entrySeeds(c), ...agentSeeds(c), ...bundleSeeds(c), ...svidSeeds(c), ...otherSeeds() };
}
