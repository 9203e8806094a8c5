/** `UpstreamAuthority "spire"` (nested SPIRE) in `server.conf`: SPIRE's keys and refusals. */
import { parseServerConfig } from '../src/config';
import { minimalServerConf as minimal } from './config-fixtures';

const block = (data: string): string => `UpstreamAuthority "spire" { plugin_data { ${data} } }`;

describe('UpstreamAuthority "spire"', () => {
  it('reads server_address, server_port (string or number) and workload_api_socket', () => {
    for (const port of ['"8081"', '8081']) {
      const { config } = parseServerConfig(
        minimal(
          '',
          block(
            `server_address = "upstream.example.org"\nserver_port = ${port}\nworkload_api_socket = "/run/spire/agent.sock"`,
          ),
        ),
      );
      expect(config.plugins.upstreamAuthority).toEqual({
        kind: 'spire',
        serverAddress: 'upstream.example.org',
        serverPort: 8081,
        workloadApiSocket: '/run/spire/agent.sock',
      });
    }
  });

  it('names each missing or bad key with SPIRE wording', () => {
    expect(() =>
      parseServerConfig(minimal('', block('server_port = "8081"\nworkload_api_socket = "/s"'))),
    ).toThrow('server_address is required');
    expect(() =>
      parseServerConfig(minimal('', block('server_address = "h"\nworkload_api_socket = "/s"'))),
    ).toThrow('server_port is required');
    expect(() => parseServerConfig(minimal('', block('server_address = "h"\nserver_port = 8081')))).toThrow(
      'workload_api_socket is required',
    );
    expect(() =>
      parseServerConfig(
        minimal('', block('server_address = "h"\nserver_port = "http"\nworkload_api_socket = "/s"')),
      ),
    ).toThrow(/server_port.*must be an integer/);
    expect(() =>
      parseServerConfig(
        minimal('', block('server_address = "h"\nserver_port = 1\nworkload_api_socket = "/s"\nsocket = 1')),
      ),
    ).toThrow(/unknown configuration detected.*socket/);
  });

  it('refuses the Windows named pipe and require_pq_kem = true, as SPIRE on this platform', () => {
    const base = 'server_address = "h"\nserver_port = 1\nworkload_api_socket = "/s"\n';
    expect(() =>
      parseServerConfig(
        minimal('', block(`${base}experimental { workload_api_named_pipe_name = "\\\\spire" }`)),
      ),
    ).toThrow(
      'workload_api_named_pipe_name is not supported on this platform; please use workload_api_socket instead',
    );
    expect(() =>
      parseServerConfig(minimal('', block(`${base}experimental { require_pq_kem = true }`))),
    ).toThrow(/require_pq_kem.*no post-quantum key exchange/);
    const { config } = parseServerConfig(
      minimal('', block(`${base}experimental { require_pq_kem = false }`)),
    );
    expect(config.plugins.upstreamAuthority?.kind).toBe('spire');
  });
});
