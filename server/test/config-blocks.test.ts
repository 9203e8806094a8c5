/** The `audit_trail`, `jwt_cloud_audiences` and `lanyard_limits` blocks of `server {}`. */
import { parseServerConfig } from '../src/config';
import { minimalServerConf as minimal } from './config-fixtures';

describe('server audit_trail and jwt_cloud_audiences', () => {
  it('reads the audit_trail block with sizes and the cloud audiences', () => {
    const { config } = parseServerConfig(
      minimal(`audit_trail {
  path = "/var/log/lanyard/trail.log"
  max_size = "64MiB"
  max_files = 3
}
jwt_cloud_audiences = ["sts.example.com"]`),
    );
    expect(config.server.auditTrail).toEqual({
      path: '/var/log/lanyard/trail.log',
      maxSizeBytes: 64 * 1024 * 1024,
      maxFiles: 3,
    });
    expect(config.server.jwtCloudAudiences).toEqual(['sts.example.com']);
  });

  it('refuses unknown keys, bad sizes and a missing path, naming the key', () => {
    expect(() => parseServerConfig(minimal('audit_trail {\n path = "/t"\n rotate = true\n}'))).toThrow(
      /unknown configuration detected.*rotate/,
    );
    expect(() => parseServerConfig(minimal('audit_trail {\n path = "/t"\n max_size = "lots"\n}'))).toThrow(
      'server.audit_trail.max_size: invalid size "lots"',
    );
    expect(() => parseServerConfig(minimal('audit_trail {\n max_files = 2\n}'))).toThrow(
      'audit_trail.path must be configured',
    );
    expect(() => parseServerConfig(minimal('audit_trail {\n path = "/t"\n max_files = -1\n}'))).toThrow(
      /max_files.*must be at least 0/,
    );
  });
});

describe('server lanyard_limits (Lanyard extension)', () => {
  it('reads sizes, counts and durations; keys left out stay unset (defaults apply)', () => {
    const { config } = parseServerConfig(
      minimal(`lanyard_limits {
  max_message_size = "8MiB"
  max_concurrent_streams = 50
  max_connections = 200
  stream_idle_timeout = "2m"
  attestation_step_timeout = "10s"
  attestation_max_payload_size = "16KiB"
}`),
    );
    expect(
      Object.fromEntries(Object.entries(config.server.limits).filter(([, v]) => v !== undefined)),
    ).toEqual({
      maxMessageBytes: 8 * 1024 * 1024,
      maxConcurrentStreams: 50,
      maxConnections: 200,
      streamIdleTimeoutMs: 120_000,
      attestationStepTimeoutMs: 10_000,
      attestationMaxPayloadBytes: 16 * 1024,
    });
    expect(parseServerConfig(minimal()).config.server.limits).toEqual({});
  });

  it('refuses unknown keys, bad sizes, zero counts and zero durations, naming the key', () => {
    expect(() => parseServerConfig(minimal('lanyard_limits {\n max_streams = 5\n}'))).toThrow(
      /unknown configuration detected.*max_streams/,
    );
    expect(() => parseServerConfig(minimal('lanyard_limits {\n max_message_size = "huge"\n}'))).toThrow(
      'server.lanyard_limits.max_message_size: invalid size "huge"',
    );
    expect(() => parseServerConfig(minimal('lanyard_limits {\n max_connections = 0\n}'))).toThrow(
      /max_connections.*must be at least 1/,
    );
    expect(() => parseServerConfig(minimal('lanyard_limits {\n stream_idle_timeout = "0s"\n}'))).toThrow(
      'server.lanyard_limits.stream_idle_timeout: must be greater than zero',
    );
  });
});
