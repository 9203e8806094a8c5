import * as net from 'node:net';
import { FaultProxy } from '../src/fault-proxy';

let echo: net.Server;
let proxy: FaultProxy;

beforeEach(async () => {
  echo = net.createServer((socket) => {
    socket.on('error', () => undefined); // the proxy resets its upstream side on purpose
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await FaultProxy.start({ targetPort: (echo.address() as net.AddressInfo).port });
});

afterEach(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

async function connect(): Promise<{ socket: net.Socket; received: () => string; closed: Promise<string> }> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('close', () => resolve('closed'));
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => data, closed };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('passes bytes both ways, also with a delay, in order', async () => {
  const conn = await connect();
  conn.socket.write('a');
  await until(() => conn.received() === 'a');
  proxy.setDelay(200);
  conn.socket.write('b');
  proxy.setDelay(0);
  conn.socket.write('c');
  await until(() => conn.received() === 'abc');
  conn.socket.destroy();
});

test('drop discards bytes while the connection stays open; pass forwards again', async () => {
  const conn = await connect();
  proxy.setMode('drop');
  conn.socket.write('lost');
  await until(() => proxy.droppedBytes === 4);
  proxy.setMode('pass');
  conn.socket.write('kept');
  await until(() => conn.received().length >= 4);
  expect(conn.received()).toBe('kept');
  expect(proxy.connections).toBe(1);
  conn.socket.destroy();
});

test('reset sends RST on open connections and resets new ones', async () => {
  const open = await connect();
  proxy.setMode('reset');
  expect(await open.closed).toBe('ECONNRESET');
  const late = net.connect(proxy.port, '127.0.0.1');
  const outcome = await new Promise<string>((resolve) => {
    late.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? ''));
    late.on('close', () => resolve('closed'));
  });
  expect(outcome).toBe('ECONNRESET');
  expect(() => proxy.setDelay(-1)).toThrow(/delay must be ≥ 0/);
});
