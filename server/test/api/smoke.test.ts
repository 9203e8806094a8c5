import { status } from '@grpc/grpc-js';
import { newAgent, startTestServer, wireEntry, type TestServer, rpc } from './harness';

describe('server smoke', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts.stop());

  it('answers health checks on the admin socket', async () => {
    const res = await rpc<{ status: string }>((cb) => ts.admin.health.Check({ service: '' }, cb));
    expect(res.status).toBe('SERVING');
  });

  it('creates and lists an entry, and the agent gets it', async () => {
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ status: { code: number }; entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        { entries: [wireEntry('/web', agent.agentId.slice('spiffe://example.org'.length))] },
        cb,
      ),
    );
    expect(created.results[0].status.code).toBe(status.OK);
    const got = await rpc<{ entries: Array<{ id: string }> }>((cb) =>
      clients.entry.GetAuthorizedEntries({}, cb),
    );
    expect(got.entries.map((e) => e.id)).toEqual([created.results[0].entry.id]);
    clients.close();
  });
});
