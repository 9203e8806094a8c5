import { X509Certificate } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { idToWire } from '../convert/ids';
import { specsFor } from '../specs';
import { TrustDomain } from '@lanyard/spiffe/id';

/** Debug `GetInfo`: uptime, counts and the server SVID chain. */
export async function debugInfo(deps: ApiDeps) {
  const ds = deps.datastore;
  const [agents, entries, bundles] = await Promise.all([
    ds.countNodes(),
    ds.countEntries(),
    ds.countBundles(),
  ]);
  const svid = deps.serverSvid.current();
  const svid_chain = svid.certChainDer.map((der, i) => {
    const cert = new X509Certificate(der);
    return {
      id: i === 0 ? idToWire(svid.spiffeId) : idToWire(TrustDomain.parse(deps.trustDomain).idString()),
      expires_at: Math.floor(Date.parse(cert.validTo) / 1000),
      // Go's pkix.Name.String() order: most specific RDN first.
      subject: cert.subject.split('\n').reverse().join(','),
    };
  });
  return {
    svid_chain,
    uptime: Math.floor((deps.now() - deps.startedAt) / 1000),
    agents_count: agents,
    entries_count: entries,
    federated_bundles_count: Math.max(0, bundles - 1),
  };
}

/** Registers `spire.api.server.debug.v1.Debug` (admin socket callers only, like SPIRE). */
export function registerDebugService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('debug');
  server.addService(definition, {
    GetInfo: boundary.unary(spec('GetInfo'), () => debugInfo(deps)),
  });
}
