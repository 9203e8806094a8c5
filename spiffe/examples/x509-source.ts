import { X509Source, WorkloadApiClient } from '@lanyard/spiffe/workloadapi';

/**
 * An always-current X.509-SVID from the Workload API (address from SPIFFE_ENDPOINT_SOCKET), closed when the
 * scope ends; then a watch read with `for await` until the signal aborts (here: after the first context).
 */
export async function x509SourceExample(): Promise<{ id: string; watched: string[] }> {
  await using source = await X509Source.create({ signal: AbortSignal.timeout(10_000) });
  const id = source.getX509Svid().id.toString();

  await using client = new WorkloadApiClient();
  const controller = new AbortController();
  const watched: string[] = [];
  for await (const context of client.watchX509Context({ signal: controller.signal })) {
    watched.push(context.defaultSvid.id.toString()); // a new context arrives on every rotation
    controller.abort();
  }
  return { id, watched };
}
