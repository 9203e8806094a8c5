/**
 * Requests whose bytes are not a valid protobuf message are the caller's error: INVALID_ARGUMENT
 * "malformed request: …", never grpc-js's INTERNAL "Error deserializing request" (found by the fuzz suite).
 */
import * as grpc from '@grpc/grpc-js';
import { loadSpireServerApis } from '@lanyard/proto';
import { methodsOf, rawCall, type RawMethod } from '@lanyard/test-support';
import { bundlePem, startTestServer, tlsCredentials, type TestServer } from './harness';

/** A field-3 varint that never ends: undecodable for every message type. */
const UNDECODABLE = Buffer.from('18ffffffffffffffffffffff', 'hex');

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer();
});

afterAll(async () => {
  await ts.stop();
});

function method(service: grpc.ServiceDefinition, name: string): RawMethod {
  return methodsOf(service).find((m) => m.path.endsWith(`/${name}`))!;
}

test('a unary call with undecodable bytes gets INVALID_ARGUMENT', async () => {
  const entry = loadSpireServerApis().spire.api.server.entry.v1.Entry.service;
  const client = new grpc.Client(`unix:${ts.socketPath}`, grpc.credentials.createInsecure());
  try {
    const outcome = await rawCall(client, method(entry, 'CountEntries'), UNDECODABLE, { deadlineMs: 10_000 });
    expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outcome.details).toMatch(/^malformed request: /);
    const valid = await rawCall(client, method(entry, 'CountEntries'), Buffer.alloc(0), {
      deadlineMs: 10_000,
    });
    expect(valid.code).toBe(grpc.status.OK);
  } finally {
    client.close();
  }
});

test('a bidi stream message with undecodable bytes gets INVALID_ARGUMENT (AttestAgent over TLS)', async () => {
  const agent = loadSpireServerApis().spire.api.server.agent.v1.Agent.service;
  const client = new grpc.Client(`127.0.0.1:${ts.server.port}`, tlsCredentials(await bundlePem(ts)), {
    'grpc.ssl_target_name_override': 'spire-server',
  });
  try {
    const outcome = await rawCall(client, method(agent, 'AttestAgent'), UNDECODABLE, { deadlineMs: 10_000 });
    expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outcome.details).toMatch(/^malformed request: /);
  } finally {
    client.close();
  }
});
