/** Listening and closing for the server's plain `node:http(s)` listeners (bundle endpoint, managed workloads). */
import type { Server } from 'node:net';

/** Starts listening; rejects with the listen error (address in use, permission). */
export function listenOn(server: Server, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops listening and drops open connections (keep-alive ones included); resolves once closed. */
export function closeNow(server: Server & { closeAllConnections(): void }): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
