import { PassThrough } from 'node:stream';
import {
  LoggerApi,
  createLogger,
  formatLoggerPretty,
  logLevelControl,
  loggerLevelFromApi,
  parseCliLogLevel,
} from '@lanyard/common';

/** A real logger writing into a buffer; `lines()` waits one turn for the stream and returns what was written. */
function bufferedLogger(level: string) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({ level, stream });
  return {
    logger,
    lines: async (): Promise<string[]> => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return chunks.join('').split('\n').filter(Boolean);
    },
  };
}

describe('logLevelControl', () => {
  it('changes what the logger and its children write, and resets to the launch level', async () => {
    const { logger, lines } = bufferedLogger('WARN');
    const child = logger.child({ subsystem_name: 'ca' });
    const control = logLevelControl(logger);
    expect(control.launchLevel).toBe('warn');
    child.info('before');
    control.set('debug');
    expect(control.current()).toBe('debug');
    child.debug('after set');
    control.set('fatal');
    logger.error('silenced by fatal');
    control.reset();
    expect(control.current()).toBe('warn');
    child.info('after reset');
    child.warn('warned');
    const written = await lines();
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/level=debug msg="after set" subsystem_name=ca$/);
    expect(written[1]).toMatch(/level=warning msg=warned subsystem_name=ca$/);
  });

  it('trace shows debug lines', async () => {
    const { logger, lines } = bufferedLogger('info');
    logLevelControl(logger).set('trace');
    logger.debug('visible');
    expect(await lines()).toEqual([expect.stringContaining('msg=visible')]);
  });
});

describe('LoggerApi', () => {
  it('answers get, set and reset with wire level names and logs SPIRE lines', async () => {
    const { logger, lines } = bufferedLogger('info');
    const api = new LoggerApi(logLevelControl(logger), logger);
    expect(api.get()).toEqual({ current_level: 'INFO', launch_level: 'INFO' });
    expect(api.set(2)).toEqual({ current_level: 'FATAL', launch_level: 'INFO' });
    expect(api.set('DEBUG')).toEqual({ current_level: 'DEBUG', launch_level: 'INFO' });
    expect(api.reset()).toEqual({ current_level: 'INFO', launch_level: 'INFO' });
    const written = await lines();
    // The second "SetLogLevel Called" is logged while the level is still fatal, so it is not written.
    expect(written).toHaveLength(3);
    expect(written[0]).toContain('msg="GetLogger Called"');
    expect(written[1]).toContain('msg="SetLogLevel Called" new_log_level=fatal');
    expect(written[2]).toContain('msg="ResetLogLevel Called" launch_log_level=info');
  });

  it('refuses UNSPECIFIED and unknown levels with InvalidArgument and keeps the level', () => {
    const { logger } = bufferedLogger('info');
    const control = logLevelControl(logger);
    const api = new LoggerApi(control, logger);
    expect(() => api.set('UNSPECIFIED')).toThrow(
      expect.objectContaining({ grpcStatus: 3, message: 'newLevel value cannot be LogLevel_UNSPECIFIED' }),
    );
    expect(() => api.set(undefined)).toThrow('newLevel value cannot be LogLevel_UNSPECIFIED');
    expect(() => api.set(9)).toThrow('new_level: unsupported log level "9"');
    expect(control.current()).toBe('info');
  });

  it('maps every wire level to a logger level', () => {
    expect(['PANIC', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'].map(loggerLevelFromApi)).toEqual([
      'panic',
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
    ]);
  });
});

describe('CLI helpers', () => {
  it('parses -level like logrus and reports SPIRE messages', () => {
    expect(parseCliLogLevel('Debug')).toBe('DEBUG');
    expect(parseCliLogLevel('warning')).toBe('WARN');
    expect(parseCliLogLevel('PANIC')).toBe('PANIC');
    expect(() => parseCliLogLevel(undefined)).toThrow('a value (-level) must be set');
    expect(() => parseCliLogLevel('')).toThrow('a value (-level) must be set');
    expect(() => parseCliLogLevel('never')).toThrow('the value "never" is not a valid setting');
  });

  it('prints the pretty form with logrus names', () => {
    expect(formatLoggerPretty({ current_level: 'WARN', launch_level: 'INFO' })).toBe(
      'Logger Level : warning\nLaunch Level : info\n\n',
    );
    expect(() => formatLoggerPretty({ current_level: 'UNSPECIFIED', launch_level: 'INFO' })).toThrow(
      'the returned log level "UNSPECIFIED" is undefined',
    );
  });
});
