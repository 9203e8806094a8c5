/** The provider's settings after defaults and validation. */

/** Where the JWT signing keys come from (exactly one). */
export type KeySourceConfig =
  | { readonly kind: 'server_api'; readonly socketPath: string; readonly pollIntervalMs: number }
  | {
      readonly kind: 'workload_api';
      readonly socketPath: string;
      readonly trustDomain: string;
      readonly pollIntervalMs: number;
    }
  | { readonly kind: 'file'; readonly path: string; readonly pollIntervalMs: number };

/** How the documents are served (exactly one). */
export type ServingConfig =
  | {
      readonly kind: 'serving_cert_file';
      readonly certFile: string;
      readonly keyFile: string;
      readonly fileSyncIntervalMs: number;
      readonly host: string;
      readonly port: number;
    }
  | { readonly kind: 'listen_socket_path'; readonly socketPath: string }
  | { readonly kind: 'insecure_addr'; readonly host: string; readonly port: number };

/** The health listener (`health_checks {}`), on localhost. */
export interface OidcHealthConfig {
  readonly bindPort: number;
  readonly readyPath: string;
  readonly livePath: string;
}

/** Everything the provider needs to run. */
export interface OidcConfig {
  readonly logLevel: string;
  readonly logFormat: 'text' | 'json';
  readonly logPath?: string;
  readonly logRequests: boolean;
  /** Host names requests may arrive for (punycode, lower case). */
  readonly domains: readonly string[];
  readonly serving: ServingConfig;
  /** Serve `http` URLs in the discovery document for requests without TLS. */
  readonly allowInsecureScheme: boolean;
  readonly source: KeySourceConfig;
  readonly health?: OidcHealthConfig;
  /** `jwt_issuer`: the discovery document's `issuer`; otherwise derived from the request. */
  readonly jwtIssuer?: string;
  /** `jwks_uri`: the discovery document's `jwks_uri`; otherwise derived. */
  readonly jwksUri?: string;
  readonly setKeyUse: boolean;
  /** Path prefix of both endpoints, `/` by default, always starting and ending with `/`. */
  readonly pathPrefix: string;
}
