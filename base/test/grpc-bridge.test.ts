import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  LanyardError,
  NotFoundError,
  StatusCode,
  UnavailableError,
  UnknownError,
} from '@lanyard/base';
import {
  INTERNAL_MESSAGE,
  codeName,
  formatRpcError,
  fromServiceError,
  isServiceError,
  statusOf,
  toServiceError,
  unary,
} from '@lanyard/base/grpc';

/** A one-method service over raw bytes: the request is the status code the handler fails with (0 = reply). */
const ECHO_SERVICE: grpc.ServiceDefinition = {
  Fail: {
    path: '/lanyard.test.Echo/Fail',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

type EchoClient = grpc.Client & {
  Fail(
    req: Buffer,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Buffer) => void,
  ): void;
};

describe('the gRPC bridge over a real grpc-js server', () => {
  let dir: string;
  let server: grpc.Server;
  let client: EchoClient;
  let holdCalls: boolean;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-base-grpc-'));
    server = new grpc.Server();
    server.addService(ECHO_SERVICE, {
      Fail: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        if (holdCalls) return; // never answers: the caller's deadline must end the call
        const code = call.request[0];
        if (code === 0) return cb(null, Buffer.from('ok'));
        if (code === 99) return cb(toServiceError(new Error('disk /secret/key unreadable')));
        cb(toServiceError(new LanyardError(code, 'ERR_TEST', `failed with ${code}`)));
      },
    });
    const socket = path.join(dir, 'echo.sock');
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const Ctor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
    client = new Ctor(`unix:${socket}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  });

  afterAll(() => {
    client.close();
    server.forceShutdown(); // held calls (see holdCalls) may still be open on the server side
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = (code: number, timeoutMs?: number): Promise<Buffer> =>
    unary<Buffer>((options, cb) => client.Fail(Buffer.from([code]), options, cb), timeoutMs);

  it('resolves with the response', async () => {
    holdCalls = false;
    expect((await call(0, 10_000)).toString()).toBe('ok');
  });

  it.each(Object.entries(StatusCode).filter(([, code]) => code !== 0))(
    'maps %s both ways, keeping the code and message',
    async (name, code) => {
      holdCalls = false;
      const err = await call(code).catch((e: unknown) => e);
      expect(isServiceError(err)).toBe(true);
      expect(statusOf(err)).toBe(code);
      const mapped = fromServiceError(err, 'calling echo');
      expect(mapped).toBeInstanceOf(LanyardError);
      expect(mapped.grpcStatus).toBe(code);
      expect(mapped.constructor.name.toUpperCase()).toBe(`${name.replace(/_/g, '')}ERROR`);
      expect(mapped.message).toBe(
        `calling echo: rpc error: code = ${codeName(code)} desc = failed with ${code}`,
      );
      expect(mapped.cause).toBe(err);
    },
  );

  it('never sends the message of an error that is not a LanyardError', async () => {
    holdCalls = false;
    const err = await call(99).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(StatusCode.INTERNAL);
    expect((err as grpc.ServiceError).details).toBe(INTERNAL_MESSAGE);
  });

  it('cancels a call when its signal aborts and rejects with the reason', async () => {
    holdCalls = true;
    const controller = new AbortController();
    const pending = unary<Buffer>((options, cb) => client.Fail(Buffer.from([0]), options, cb), {
      signal: controller.signal,
    }).catch((e: unknown) => e);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    const already = await unary<Buffer>((options, cb) => client.Fail(Buffer.from([0]), options, cb), {
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(already).toBe(reason);
  });

  it('ends a call at its deadline', async () => {
    holdCalls = true;
    const err = await call(0, 200).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(StatusCode.DEADLINE_EXCEEDED);
  });
});

describe('gRPC bridge mapping rules', () => {
  it('names codes as Go does, and unknown ones as Code(n)', () => {
    expect(codeName(0)).toBe('OK');
    expect(codeName(1)).toBe('Canceled');
    expect(codeName(7)).toBe('PermissionDenied');
    expect(codeName(16)).toBe('Unauthenticated');
    expect(codeName(42)).toBe('Code(42)');
  });

  it('passes LanyardErrors through and keeps their status on the way out', () => {
    const own = new NotFoundError('entry not found');
    expect(fromServiceError(own, 'x')).toBe(own);
    expect(statusOf(own)).toBe(StatusCode.NOT_FOUND);
    expect(toServiceError(new InvalidArgumentError('bad id'))).toMatchObject({ code: 3, details: 'bad id' });
  });

  it('treats a code outside the gRPC range (or OK) as UNKNOWN', () => {
    for (const code of [0, 17, -1]) {
      const mapped = fromServiceError({ code, details: 'odd', message: 'odd' }, 'p');
      expect(mapped).toBeInstanceOf(UnknownError);
      expect(mapped.grpcStatus).toBe(StatusCode.UNKNOWN);
    }
  });

  it('treats a failure without any status as UNAVAILABLE (the call never got an answer)', () => {
    const cause = new Error('Channel has been shut down');
    const mapped = fromServiceError(cause, 'calling echo');
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.message).toBe('calling echo: Channel has been shut down');
    expect(statusOf(cause)).toBe(StatusCode.UNKNOWN);
  });

  it('formats with a caller-supplied describer (e.g. to mask secrets)', () => {
    const err = { code: 7, details: 'token abc is banned', message: '' };
    expect(formatRpcError(err)).toBe('rpc error: code = PermissionDenied desc = token abc is banned');
    const mapped = fromServiceError(err, 'p', (e) => formatRpcError(e).replace('abc', '<redacted>'));
    expect(mapped.message).toBe('p: rpc error: code = PermissionDenied desc = token <redacted> is banned');
  });
});
