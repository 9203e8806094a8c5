import { header, issueSvid, makeEntry, startApi, StreamReader, workloadClient } from './workload-fixtures';

test('smoke', async () => {
  const api = await startApi();
  const uid = process.getuid!();
  const entry = makeEntry('e1', 'spiffe://example.org/web', [`test:uid:${uid}`]);
  api.cache.updateEntries([entry]);
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  const client = workloadClient(api.socketPath);
  const reader = new StreamReader(client.FetchX509SVID({}, header()));
  const msg = await reader.next();
  expect(msg.svids[0].spiffe_id).toBe('spiffe://example.org/web');
  reader.cancel();
  client.close();
  await api.close();
});
