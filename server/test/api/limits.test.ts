/**
 * `lanyard_limits` on a real server with small bounds: streams per connection, connections per listener,
 * message sizes, idle streams and attestation payloads.
 */
import { connect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { connectAdmin } from '../../src/cli/admin-client';
import {
  bundlePem,
  newAgent,
  rpc,
  rpcError,
  startTestServer,
  tlsClients,
  wireEntry,
  type TestServer,
} from './harness';

type Watch = grpc.ClientReadableStream<{ status: string }>;

/** Resolves with the first message of a stream, or rejects with its error. */
function firstMessage<T>(
  call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
}

/** Resolves with the status error a stream ends with. */
function streamError(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>) {
  return new Promise<{ code: number; details: string }>((resolve) => {
    call.on('data', () => undefined);
    call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details }));
  });
}

/** Opens a raw TCP connection and resolves once it is established. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('lanyard_limits', () => {
  let ts: TestServer;
  let roots: Buffer;
  beforeAll(async () => {
    ts = await startTestServer({
      limits: {
        maxConcurrentStreams: 2,
        maxConnections: 3,
        maxMessageBytes: 64 * 1024,
        streamIdleTimeoutMs: 1500,
        attestationMaxPayloadBytes: 1024,
      },
    });
    roots = await bundlePem(ts);
  });
  afterAll(async () => ts.stop());

  it('queues calls beyond max_concurrent_streams on one connection until a stream ends', async () => {
    const client = connectAdmin(ts.socketPath);
    try {
      const watches: Watch[] = [0, 1].map(() => client.health.Watch({ service: '' }));
      await Promise.all(watches.map((w) => firstMessage(w)));
      // A third call on the same connection cannot get a stream while both watches hold theirs.
      const queued = await rpcError(
        rpc((cb) => client.entry.CountEntries({}, { deadline: Date.now() + 1000 }, cb)),
      );
      expect(queued.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      watches[0].cancel();
      await rpc((cb) => client.entry.CountEntries({}, { deadline: Date.now() + 20_000 }, cb));
      watches[1].cancel();
    } finally {
      client.close();
    }
  });

  it('closes connections beyond max_connections at accept', async () => {
    const held = await Promise.all([0, 1, 2].map(() => openSocket(ts.server.port)));
    const extra = await openSocket(ts.server.port);
    await new Promise<void>((resolve) => extra.on('close', () => resolve()));
    for (const socket of held) socket.destroy();
    const anon = tlsClients(ts, roots);
    // Once the held sockets are gone the listener accepts again (the close reaches the server asynchronously).
    const deadline = Date.now() + 20_000;
    let bundle: { trust_domain: string } | undefined;
    while (bundle === undefined) {
      bundle = await rpc<{ trust_domain: string }>((cb) => anon.bundle.GetBundle({}, cb)).catch((err) => {
        if (Date.now() > deadline) throw err;
        return undefined;
      });
    }
    expect(bundle.trust_domain).toBe('example.org');
    anon.close();
  });

  it('refuses a request over max_message_size with ResourceExhausted', async () => {
    const dnsNames = Array.from({ length: 2000 }, (_, i) => `h${i}-${'a'.repeat(40)}.example.org`);
    const huge = { ...wireEntry('/big', '/node'), dns_names: dnsNames };
    const err = await rpcError(rpc((cb) => ts.admin.entry.BatchCreateEntry({ entries: [huge] }, cb)));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await rpc<{ count: number }>((cb) => ts.admin.entry.CountEntries({}, cb))).toEqual({ count: 0 });
  });

  it('refuses to send a response over max_message_size with ResourceExhausted', async () => {
    const dns = Array.from({ length: 300 }, (_, i) => `h${i}-${'b'.repeat(40)}.example.org`);
    for (const batch of [0, 1]) {
      const entries = [0, 1, 2].map((i) => ({
        ...wireEntry(`/many/${batch}/${i}`, '/node'),
        dns_names: dns,
      }));
      await rpc((cb) => ts.admin.entry.BatchCreateEntry({ entries }, cb));
    }
    const err = await rpcError(rpc((cb) => ts.admin.entry.ListEntries({}, cb)));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const page = await rpc<{ entries: unknown[] }>((cb) => ts.admin.entry.ListEntries({ page_size: 1 }, cb));
    expect(page.entries).toHaveLength(1);
  });

  it('ends an idle Health.Watch stream with DeadlineExceeded naming the bound', async () => {
    const watch: Watch = ts.admin.health.Watch({ service: '' });
    const ended = streamError(watch);
    expect(await firstMessage(watch)).toEqual({ status: 'SERVING' });
    expect(await ended).toEqual({
      code: grpc.status.DEADLINE_EXCEEDED,
      details: 'stream idle for 1500 ms (lanyard_limits.stream_idle_timeout)',
    });
  });

  it('ends a SyncAuthorizedEntries stream on which the agent sends nothing with DeadlineExceeded', async () => {
    const { clients } = await newAgent(ts);
    const call = clients.entry.SyncAuthorizedEntries();
    expect(await streamError(call)).toEqual({
      code: grpc.status.DEADLINE_EXCEEDED,
      details: 'sync request not received in time',
    });
    clients.close();
  });

  it('refuses an AttestAgent payload over attestation_max_payload_size, naming the bound', async () => {
    const anon = tlsClients(ts, roots);
    const call = anon.agent.AttestAgent();
    const ended = streamError(call);
    call.write({
      params: {
        data: { type: 'join_token', payload: Buffer.alloc(2048, 0x61) },
        params: { csr: Buffer.from('not read') },
      },
    });
    expect(await ended).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        'attestation data payload is 2048 bytes, over the 1024-byte limit (lanyard_limits.attestation_max_payload_size)',
    });
    anon.close();
  });
});
