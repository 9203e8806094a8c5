import * as net from 'node:net';
import { InvalidArgumentError } from '@lanyard/base';

/**
 * Turns `server_address` + `server_port` into a grpc-js target.
 *
 * - One host name or IP (SPIRE's form): `host:port`. A DNS name that resolves to several servers is
 *   failed over by grpc-js's pick_first policy, which tries each resolved address in turn.
 * - A comma-separated list of IP literals (a Lanyard extension for HA deployments without a load
 *   balancer or DNS): `ipv4:a:port,b:port` / `ipv6:[a]:port,…`, again with pick_first fail-over.
 *
 * @throws InvalidArgumentError when a list mixes host names or IP families, or has empty items.
 */
export function serverTarget(address: string, port: number): string {
  const hosts = address.split(',').map((h) => h.trim());
  if (hosts.length === 1) return `${bracketed(hosts[0])}:${port}`;
  if (hosts.some((h) => h === '')) {
    throw new InvalidArgumentError(`server_address "${address}" has an empty item`, 'ERR_SERVER_ADDRESS');
  }
  const families = new Set(hosts.map((h) => net.isIP(h)));
  if (families.has(0) || families.size !== 1) {
    throw new InvalidArgumentError(
      `server_address "${address}": a list must hold IP addresses of one family (use one DNS name for host names)`,
      'ERR_SERVER_ADDRESS',
    );
  }
  const scheme = families.has(4) ? 'ipv4' : 'ipv6';
  return `${scheme}:${hosts.map((h) => `${bracketed(h)}:${port}`).join(',')}`;
}

function bracketed(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}
