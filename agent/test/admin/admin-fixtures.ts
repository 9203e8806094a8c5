/** An admin socket with the Delegated Identity API over a real identity cache, and a grpc-js client for it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@lanyard/attestor-core';
import { loadSpireAgentApis, type DelegatedIdentityClient } from '@lanyard/proto';
import { AdminApiServer, registerDelegatedIdentityService } from '../../src/admin';
import { IdentityCache, JwtSvidCache } from '../../src/manager/cache';
import { JwtSvidService } from '../../src/workload';
import { TestMinter, makeTrustDomain, peerCredAttestor, type TestTrustDomain } from '../workload-fixtures';

/** SPIFFE ID of the test process's own entry (selector `test:uid:<uid>`), listed as authorized delegate. */
export const DELEGATE_ID = 'spiffe://example.org/delegate';

/** A running admin server with the Delegated Identity API. */
export interface RunningAdmin {
  readonly dir: string;
  readonly socketPath: string;
  readonly admin: AdminApiServer;
  readonly cache: IdentityCache;
  readonly minter: TestMinter;
  readonly td: TestTrustDomain;
  close(): Promise<void>;
}

/** Starts an admin server on a fresh temp socket; the cache holds the trust bundle. */
export async function startAdmin(
  options: { authorizedDelegates?: string[]; maxPendingMessages?: number } = {},
): Promise<RunningAdmin> {
  const td = makeTrustDomain('example.org');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-adm-'));
  fs.chmodSync(dir, 0o755);
  const socketPath = path.join(dir, 'private', 'admin.sock');
  const cache = new IdentityCache({ trustDomain: td.name });
  cache.setBundle(td.bundle);
  const minter = new TestMinter(td);
  const admin = new AdminApiServer({ socketPath, attestors: [peerCredAttestor] });
  registerDelegatedIdentityService(admin, {
    cache,
    jwt: new JwtSvidService(minter, new JwtSvidCache(), silentLogger),
    authorizedDelegates: options.authorizedDelegates ?? [DELEGATE_ID],
    logger: silentLogger,
    maxPendingMessages: options.maxPendingMessages,
  });
  await admin.start();
  return {
    dir,
    socketPath,
    admin,
    cache,
    minter,
    td,
    close: async () => {
      await admin.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A DelegatedIdentity client on its own connection. */
export function delegatedClient(socketPath: string): DelegatedIdentityClient {
  const Ctor = loadSpireAgentApis().spire.api.agent.delegatedidentity.v1.DelegatedIdentity;
  return new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** A unary call as a promise (no metadata: the admin APIs need no security header). */
export function call<Req, Res>(
  fn: (req: Req, cb: grpc.requestCallback<Res>) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** `spire.api.types.Selector` values from `type:value` strings. */
export function wireSelectors(selectors: string[]): Array<{ type: string; value: string }> {
  return selectors.map((s) => {
    const i = s.indexOf(':');
    return { type: s.slice(0, i), value: s.slice(i + 1) };
  });
}
