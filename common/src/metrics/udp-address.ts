/** `host:port` addresses of the UDP sinks (`Statsd`, `DogStatsd`), as Go's `net.ResolveUDPAddr` takes them. */

/** A parsed UDP sink address. */
export interface UdpAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port` or `[ipv6]:port`. An empty host means `localhost` (Go's reading of `:8125`); the port
 * must be 1–65535. Returns the address or a lower-case problem.
 */
export function parseUdpAddress(text: string): { address?: UdpAddress; error?: string } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return { error: `${JSON.stringify(text)} is not host:port` };
  const port = Number(match[3]);
  if (port < 1 || port > 65535)
    return { error: `port ${port} of ${JSON.stringify(text)} is out of range 1-65535` };
  const host = match[1] ?? match[2];
  return { address: { host: host === '' ? 'localhost' : host, port } };
}
