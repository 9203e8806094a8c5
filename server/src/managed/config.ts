/** `server.managed_workloads {}` (Lanyard extension): the agentless attestation listener, after defaults. */

/** `aws_iam {}`: proofs are pre-signed STS `GetCallerIdentity` requests. */
export interface ManagedAwsIamConfig {
  /** STS endpoint proofs must target and the server forwards them to (`https://…`). */
  stsEndpoint: string;
  /** PEM CA bundle trusted for the STS endpoint instead of the system roots (private endpoints, tests). */
  stsCaFile?: string;
}

/** `gcp_sa {}`: proofs are Google-signed service-account ID tokens. */
export interface ManagedGcpSaConfig {
  /** The `aud` the tokens must carry (what callers pass as `audience` to the metadata server). */
  audience: string;
  /** Google's signing keys (`oauth2/v3/certs` JWKS or `oauth2/v1/certs` PEM map). */
  jwksUrl: string;
}

/** `azure_mi {}`: proofs are Entra ID managed-identity access tokens. */
export interface ManagedAzureMiConfig {
  /** The resource (app ID URI) the tokens are requested for: their `aud`. */
  appIdUri: string;
  /** The application (client) ID of that resource, also accepted as `aud` (v2 tokens carry it). */
  appId?: string;
  /** Tenant IDs whose tokens are accepted. */
  tenants: string[];
  /** Entra ID authority: OIDC discovery is read from `<authority_host>/<tenant>/v2.0/.well-known/openid-configuration`. */
  authorityHost: string;
}

/** The whole `managed_workloads {}` block. */
export interface ManagedWorkloadsConfig {
  address: string;
  port: number;
  /** Web-PKI serving certificate chain and key (PEM), re-read every `fileSyncIntervalMs`. */
  servingCertFile: string;
  servingKeyFile: string;
  fileSyncIntervalMs: number;
  /** The `x-lanyard-server-id` value AWS proofs must sign. */
  serverId: string;
  /** Oldest accepted proof (AWS `x-amz-date`, GCP `iat`). */
  maxProofAgeMs: number;
  /** SVID lifetimes; 0 = the entry's, else the server's default. */
  x509SvidTtlSeconds: number;
  jwtSvidTtlSeconds: number;
  /** Requests per minute per caller identity (burst of the same size). */
  requestsPerMinute: number;
  /** Open connections at once (further ones are closed). */
  maxConnections: number;
  awsIam?: ManagedAwsIamConfig;
  gcpSa?: ManagedGcpSaConfig;
  azureMi?: ManagedAzureMiConfig;
}

/** Defaults of `managed_workloads {}`. */
export const MANAGED_WORKLOADS_DEFAULTS = {
  address: '0.0.0.0',
  port: 8444,
  fileSyncIntervalMs: 3_600_000,
  maxProofAgeMs: 5 * 60_000,
  requestsPerMinute: 60,
  maxConnections: 1024,
  stsEndpoint: 'https://sts.amazonaws.com',
  gcpJwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
  azureAuthorityHost: 'https://login.microsoftonline.com',
} as const;
