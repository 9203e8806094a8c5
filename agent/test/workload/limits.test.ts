import * as grpc from '@grpc/grpc-js';
import { GRPC_LISTENER_DEFAULTS } from '@lanyard/common';
import type { JWTSVIDResponse__Output } from '@lanyard/proto';
import { makeEntry, startApi, unary, workloadClient, type RunningApi } from '../workload-fixtures';

const mine = `test:uid:${process.getuid!()}`;
let api: RunningApi;
let client: ReturnType<typeof workloadClient>;

beforeEach(async () => {
  api = await startApi({ server: { limits: { ...GRPC_LISTENER_DEFAULTS, maxMessageBytes: 4096 } } });
  client = workloadClient(api.socketPath);
  api.cache.updateEntries([makeEntry('e1', 'spiffe://example.org/a', [mine])]);
});

afterEach(async () => {
  client.close();
  await api.close();
});

const fetchJwt = (audience: string[]) =>
  unary<object, JWTSVIDResponse__Output>(client.FetchJWTSVID.bind(client), { audience, spiffe_id: '' });

test('the Workload API socket refuses a request over lanyard_limits.max_message_size', async () => {
  const small = await fetchJwt(['db']);
  expect(small.svids).toHaveLength(1);
  const err = (await fetchJwt(['x'.repeat(8192)]).catch((e: unknown) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
});
