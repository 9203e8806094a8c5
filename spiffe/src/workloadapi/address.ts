import * as net from 'node:net';
import { WorkloadApiError } from '../errors/workload-api-error';

/** Environment variable naming the Workload API endpoint (SPIFFE Workload Endpoint spec). */
export const SPIFFE_ENDPOINT_SOCKET = 'SPIFFE_ENDPOINT_SOCKET';

function invalid(address: string, problem: string): WorkloadApiError {
  return new WorkloadApiError('ERR_WORKLOAD_ADDRESS', `workload api address "${address}": ${problem}`);
}

function unixTarget(address: string): string {
  const rest = address.slice('unix:'.length);
  if (rest.startsWith('//') && !rest.startsWith('///')) {
    throw invalid(address, 'unix address must not have an authority (use unix:///path or unix:/path)');
  }
  const socketPath = rest.startsWith('///') ? rest.slice(2) : rest;
  if (!socketPath.startsWith('/') || socketPath.length < 2) {
    throw invalid(address, 'unix address must hold an absolute socket path');
  }
  if (/[?#]/.test(socketPath)) throw invalid(address, 'unix address must not have a query or fragment');
  return `unix://${socketPath}`;
}

function tcpTarget(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalid(address, 'tcp address is not a valid URI');
  }
  if (url.username || url.password) throw invalid(address, 'tcp address must not have user info');
  if (url.search || url.hash || (url.pathname !== '' && url.pathname !== '/')) {
    throw invalid(address, 'tcp address must not have a path, query or fragment');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!net.isIP(host)) throw invalid(address, 'tcp address host must be an IP literal');
  if (!url.port) throw invalid(address, 'tcp address must have a port');
  return net.isIPv6(host) ? `ipv6:[${host}]:${url.port}` : `ipv4:${host}:${url.port}`;
}

/**
 * Turns a Workload API address (`unix:///path`, `unix:/path` or `tcp://<ip>:<port>`) into a grpc-js target.
 * Without `address`, reads {@link SPIFFE_ENDPOINT_SOCKET} from `env`.
 * @throws WorkloadApiError (`ERR_WORKLOAD_ADDRESS`) when the address is missing or malformed.
 */
export function resolveWorkloadApiTarget(
  address: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = address ?? env[SPIFFE_ENDPOINT_SOCKET];
  if (!value) {
    throw new WorkloadApiError(
      'ERR_WORKLOAD_ADDRESS',
      `workload endpoint socket address is not configured (set ${SPIFFE_ENDPOINT_SOCKET} or pass "address")`,
    );
  }
  if (value.startsWith('unix:')) return unixTarget(value);
  if (value.startsWith('tcp:')) return tcpTarget(value);
  throw invalid(value, 'scheme must be "unix" or "tcp"');
}
