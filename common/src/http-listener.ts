import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening HTTP server: where it listens and how to stop it. */
export interface HttpListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port (port 0 picks a free one); rejects if it cannot listen. `close()` stops it and
 * drops open connections.
 */
export async function listenHttp(server: http.Server, port: number, host: string): Promise<HttpListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
