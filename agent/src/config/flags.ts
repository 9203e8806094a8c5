/** CLI flags of `lanyard-agent run` / `validate` that override config file values (flag > file > default). */
export interface AgentFlagOverrides {
  /** `-dataDir` */
  dataDir?: string;
  /** `-serverAddress` */
  serverAddress?: string;
  /** `-serverPort` (validated like the config key) */
  serverPort?: number;
  /** `-socketPath` */
  socketPath?: string;
  /** `-trustDomain` */
  trustDomain?: string;
  /** `-trustBundle` (path) */
  trustBundle?: string;
  /** `-trustBundleUrl` */
  trustBundleUrl?: string;
  /** `-trustBundleFormat` */
  trustBundleFormat?: string;
  /** `-joinToken` */
  joinToken?: string;
  /** `-joinTokenFile` */
  joinTokenFile?: string;
  /** `-logLevel` */
  logLevel?: string;
  /** `-logFormat` */
  logFormat?: string;
  /** `-logFile` */
  logFile?: string;
  /** `-insecureBootstrap` */
  insecureBootstrap?: boolean;
  /** `-allowUnauthenticatedVerifiers` */
  allowUnauthenticatedVerifiers?: boolean;
  /** `-logSourceLocation` */
  logSourceLocation?: boolean;
  /** `-disableSDSAPI` */
  disableSdsApi?: boolean;
  /** `-disableWorkloadAPI` */
  disableWorkloadApi?: boolean;
  /** `-rebootstrapMode` (`never`, `auto` or `always`) */
  rebootstrapMode?: string;
  /** `-rebootstrapDelay` (a Go duration) */
  rebootstrapDelay?: string;
}
