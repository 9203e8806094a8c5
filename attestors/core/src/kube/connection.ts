/**
 * How to reach one Kubernetes API server: its URL, how to trust it and how to authenticate to it.
 * Built from a kubeconfig file ({@link loadKubeconfig}) or from the pod's in-cluster files ({@link inClusterConnection}).
 */
export interface KubeConnection {
  /** Base URL, e.g. `https://10.96.0.1:443` (no trailing slash). */
  readonly server: string;
  /** PEM CA bundle that signs the API server's certificate; the system roots when absent. */
  readonly caPem?: string;
  /** `insecure-skip-tls-verify`: do not verify the server certificate. */
  readonly insecureSkipTlsVerify: boolean;
  /** TLS server name to verify instead of the URL host (`tls-server-name`). */
  readonly tlsServerName?: string;
  /** Static bearer token. */
  readonly token?: string;
  /** File holding a bearer token, re-read on every request (projected tokens rotate). */
  readonly tokenFile?: string;
  /** PEM client certificate and key for mutual TLS. */
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}
