/** A real `lanyard-oidc-discovery-provider` reading the JWT keys over a server's admin socket (plain HTTP, loopback). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';
import { startProcess, type ManagedProcess } from './process';

const OIDC_BIN = path.join(REPO_ROOT, 'oidc-discovery', 'dist', 'cli', 'main.js');

/**
 * Writes the provider's config into `dir` and starts it on `http://127.0.0.1:<port>` (the issuer the server's
 * `jwt_issuer` must name), polling the server at `socketPath` every second.
 */
export function startOidcProvider(dir: string, port: number, socketPath: string): ManagedProcess {
  const config = path.join(dir, 'oidc-discovery-provider.conf');
  fs.writeFileSync(
    config,
    [
      'domains = ["127.0.0.1"]',
      `jwt_issuer = "http://127.0.0.1:${port}"`,
      `insecure_addr = "127.0.0.1:${port}"`,
      'allow_insecure_scheme = true',
      `server_api {\n  address = "unix://${socketPath}"\n  poll_interval = "1s"\n}`,
    ].join('\n'),
  );
  return startProcess('oidc-discovery-provider', process.execPath, [OIDC_BIN, '-config', config]);
}
