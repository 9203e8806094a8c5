import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FailedPreconditionError } from '@lanyard/base';
import type { KubeConnection } from './connection';

/** Where a pod finds its service-account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Inputs of {@link inClusterConnection}; tests point them at temporary files. */
export interface InClusterOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Directory holding `token` and `ca.crt`; default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
}

/**
 * The connection a pod uses to reach its own cluster's API server: `KUBERNETES_SERVICE_HOST`/`_PORT`, the
 * service-account `ca.crt`, and the service-account `token` file (re-read on every request because it rotates).
 * @throws FailedPreconditionError when not running in a pod (variables or files missing).
 */
export async function inClusterConnection(options: InClusterOptions = {}): Promise<KubeConnection> {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new FailedPreconditionError(
      'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined',
      'ERR_KUBE_IN_CLUSTER',
    );
  }
  let caPem: string;
  try {
    caPem = await readFile(path.join(dir, 'ca.crt'), 'utf8');
  } catch (error) {
    throw new FailedPreconditionError(
      `unable to load in-cluster configuration: ${(error as Error).message}`,
      'ERR_KUBE_IN_CLUSTER',
    );
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${hostPart}:${port}`,
    caPem,
    insecureSkipTlsVerify: false,
    tokenFile: path.join(dir, 'token'),
  };
}
