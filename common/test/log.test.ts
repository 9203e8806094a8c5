import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  REDACTED,
  createLogger,
  isSecretFieldName,
  parseLogLevel,
  redactFields,
  redactJoinTokens,
  type LoggerOptions,
} from '@lanyard/common';

const fixedNow = (): Date => new Date('2026-11-24T06:40:06.123Z');

/** Logs through a real winston logger into a buffer and returns the written lines. */
async function capture(
  options: LoggerOptions,
  write: (logger: ReturnType<typeof createLogger>) => void,
): Promise<string[]> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({ ...options, stream, now: fixedNow });
  write(logger);
  await new Promise<void>((resolve) => setImmediate(resolve));
  logger.close();
  return chunks.join('').split('\n').filter(Boolean);
}

describe('createLogger', () => {
  it('writes logrus-style text lines with sorted, quoted-when-needed fields', async () => {
    const lines = await capture({ level: 'INFO' }, (logger) => {
      logger.child({ subsystem_name: 'ca' }).info('X509 CA activated', {
        spiffe_id: 'spiffe://example.org/spire/server',
        slot: 'A',
        expiration: 'in 24 h',
      });
      logger.debug('hidden');
      logger.warn('careful');
    });
    expect(lines).toEqual([
      `time="2026-11-24T06:40:06Z" level=info msg="X509 CA activated" expiration="in 24 h" slot=A spiffe_id="spiffe://example.org/spire/server" subsystem_name=ca`,
      'time="2026-11-24T06:40:06Z" level=warning msg=careful',
    ]);
  });

  it('writes JSON lines with time, level, msg and the fields', async () => {
    const lines = await capture({ format: 'json', level: 'debug' }, (logger) => {
      logger.debug('Starting server', { version: '0.1.0', port: 8081, error: new Error('boom') });
    });
    expect(JSON.parse(lines[0])).toEqual({
      time: '2026-11-24T06:40:06Z',
      level: 'debug',
      msg: 'Starting server',
      version: '0.1.0',
      port: 8081,
      error: 'boom',
    });
  });

  it('never prints secret-named fields', async () => {
    const lines = await capture({ format: 'json' }, (logger) => {
      logger.info('Attested', {
        join_token: 'abc123',
        nested: { private_key: 'PEM', public_key: 'ok' },
        password: 'p',
      });
    });
    expect(lines[0]).not.toMatch(/abc123|PEM|"p"/);
    expect(JSON.parse(lines[0])).toMatchObject({
      join_token: REDACTED,
      nested: { private_key: REDACTED, public_key: 'ok' },
    });
  });

  it('appends to log_file when one is given', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lanyard-log-')), 'server.log');
    const logger = createLogger({ file, now: fixedNow });
    logger.info('to file', { token: 'secret-token' });
    let text = '';
    for (let i = 0; i < 200 && !text.endsWith('\n'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    }
    logger.close();
    expect(text).toBe(`time="2026-11-24T06:40:06Z" level=info msg="to file" token="${REDACTED}"\n`);
  });
});

describe('redaction and levels', () => {
  it.each([
    'token',
    'join_token',
    'private_key',
    'key',
    'password',
    'secret',
    'svid_key',
    'client_secret',
    'Token',
  ])('%s is secret', (name) => expect(isSecretFieldName(name)).toBe(true));

  it.each(['spiffe_id', 'public_key', 'key_id', 'ca_key_type', 'keys_path', 'entry_id'])(
    '%s is not secret',
    (name) => expect(isSecretFieldName(name)).toBe(false),
  );

  it('redacts inside arrays and leaves the input untouched', () => {
    const input = { list: [{ secret: 's' }], ok: 1 };
    expect(redactFields(input)).toEqual({ list: [{ secret: REDACTED }], ok: 1 });
    expect(input.list[0].secret).toBe('s');
  });

  it('parses SPIRE log levels case-insensitively and rejects others', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel('Warning')).toBe('warn');
    expect(() => parseLogLevel('TRACE')).toThrow('unknown log level "TRACE": use DEBUG, INFO, WARN or ERROR');
  });
});

describe('join token agent IDs', () => {
  const token = '3c1f2a9e-7d41-4b8e-9a55-0f6e2d1c8b77';
  const agentId = `spiffe://example.org/spire/agent/join_token/${token}`;

  it('masks the token in fields, nested values and the message', async () => {
    const lines = await capture({ level: 'INFO', format: 'json' }, (logger) => {
      logger.info(`Agent ${agentId} attested`, { agent_id: agentId, nested: { ids: [agentId] } });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(token);
    const record = JSON.parse(lines[0]) as { msg: string; agent_id: string; nested: { ids: string[] } };
    expect(record.agent_id).toBe('spiffe://example.org/spire/agent/join_token/<redacted>');
    expect(record.nested.ids[0]).toBe('spiffe://example.org/spire/agent/join_token/<redacted>');
    expect(record.msg).toBe('Agent spiffe://example.org/spire/agent/join_token/<redacted> attested');
  });

  it('leaves other agent IDs alone', () => {
    const awsId = 'spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abc';
    expect(redactJoinTokens(awsId)).toBe(awsId);
  });
});

describe('sourceLocation (log_source_location)', () => {
  function logFromHere(logger: ReturnType<typeof createLogger>): void {
    logger.child({ subsystem_name: 'ca' }).info('located');
  }

  it('adds the file:line and function of the caller, not of the logging machinery', async () => {
    const lines = await capture({ format: 'json', sourceLocation: true }, logFromHere);
    const record = JSON.parse(lines[0]) as { file: string; func: string };
    expect(record.func).toBe('logFromHere');
    expect(record.file).toMatch(/common[\\/]test[\\/]log\.test\.ts:\d+$/);
    const line = Number(record.file.split(':').pop());
    const source = readFileSync(path.join(__dirname, 'log.test.ts'), 'utf8').split('\n');
    expect(source[line - 1]).toContain("info('located')");
  });

  it('adds nothing when off', async () => {
    const lines = await capture({ format: 'json' }, logFromHere);
    expect(Object.keys(JSON.parse(lines[0]) as object)).not.toContain('file');
  });
});
