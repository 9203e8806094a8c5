import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import { rpc, newAgent, rpcError, startTestServer, wireEntry, type TestServer } from './harness';

type SyncResponse = {
  entry_revisions: Array<{ id: string; revision_number: number }>;
  entries: Array<{ id: string; spiffe_id: { path: string } | null; parent_id: unknown }>;
  more: boolean;
};

const AGENT_MASK = {
  spiffe_id: true,
  selectors: true,
  federates_with: true,
  admin: true,
  downstream: true,
  revision_number: true,
  store_svid: true,
  hint: true,
  additional_attributes: true,
  created_at: true,
};

/** Collects responses until one arrives with `more=false`. */
function readPhase(call: ClientDuplexStream<object, SyncResponse>): Promise<SyncResponse[]> {
  return new Promise((resolve, reject) => {
    const got: SyncResponse[] = [];
    const onData = (msg: SyncResponse) => {
      got.push(msg);
      if (!msg.more) {
        call.off('data', onData);
        call.off('error', reject);
        resolve(got);
      }
    };
    call.on('data', onData);
    call.on('error', reject);
  });
}

describe('SyncAuthorizedEntries', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts.stop());

  it('sends everything in one masked response when it fits a page', async () => {
    const { agent, clients } = await newAgent(ts);
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [wireEntry('/small/a', agent.agentId.slice(20))] }, cb),
    );
    const call = clients.entry.SyncAuthorizedEntries() as ClientDuplexStream<object, SyncResponse>;
    const phase = readPhase(call);
    call.write({ output_mask: AGENT_MASK });
    const [only] = await phase;
    expect(only.more).toBe(false);
    expect(only.entries.map((e) => e.spiffe_id?.path)).toEqual(['/small/a']);
    expect(only.entries[0].parent_id).toBeNull();
    call.end();
    clients.close();
  });

  it('rejects IDs on the first request and a mask without revision_number', async () => {
    const { clients } = await newAgent(ts);
    const first = (msg: object) =>
      rpcError(
        new Promise((resolve, reject) => {
          const call = clients.entry.SyncAuthorizedEntries();
          call.on('data', () => undefined);
          call.on('error', reject);
          call.on('end', resolve);
          call.write(msg);
        }),
      );
    expect(await first({ ids: ['x'] })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'specifying IDs on initial request is not supported',
    });
    expect(await first({ output_mask: { spiffe_id: true } })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'revision number cannot be masked',
    });
    clients.close();
  });

  it('pages revisions, then serves requested IDs in pages, for more than 500 entries', async () => {
    const { agent, clients } = await newAgent(ts);
    const parent = agent.agentId.slice(20);
    const entries = Array.from({ length: 620 }, (_, i) => wireEntry(`/bulk/${i}`, parent));
    await rpc((cb) => ts.admin.entry.BatchCreateEntry({ entries }, cb));
    const call = clients.entry.SyncAuthorizedEntries() as ClientDuplexStream<object, SyncResponse>;
    const revisionsPhase = readPhase(call);
    call.write({ output_mask: AGENT_MASK });
    const revisions = await revisionsPhase;
    expect(revisions.map((r) => [r.entry_revisions.length, r.more])).toEqual([
      [500, true],
      [120, false],
    ]);
    const ids = revisions.flatMap((r) => r.entry_revisions.map((e) => e.id));
    expect([...ids].sort()).toEqual(ids);
    const entriesPhase = readPhase(call);
    call.write({ ids: ids.slice(0, 550) });
    const pages = await entriesPhase;
    expect(pages.map((p) => [p.entries.length, p.more])).toEqual([
      [500, true],
      [50, false],
    ]);
    call.end();
    clients.close();
  });
});
