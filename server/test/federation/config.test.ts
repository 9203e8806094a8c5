import { ConfigError } from '@lanyard/common';
import { applyServerFlags, parseServerConfig } from '../../src/config';

const file = (federation: string): string => `
server {
  trust_domain = "a.test"
  data_dir = "/var/lib/lanyard"
  federation {
${federation}
  }
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "/var/lib/lanyard/datastore.sqlite3"
    }
  }
  KeyManager "memory" {}
}
`;

function messageOf(text: string): string {
  try {
    parseServerConfig(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('federation config', () => {
  it('maps the bundle endpoint and both relationship profiles', () => {
    const { config, warnings } = parseServerConfig(
      file(`
    bundle_endpoint {
      address = "127.0.0.1"
      port = 8443
      refresh_hint = "2m"
      profile "https_web" {
        serving_cert_file {
          cert_file_path = "/etc/lanyard/web.crt"
          key_file_path = "/etc/lanyard/web.key"
          file_sync_interval = "30s"
        }
      }
    }
    federates_with "b.test" {
      bundle_endpoint_url = "https://127.0.0.1:9443"
      bundle_endpoint_profile "https_spiffe" {
        endpoint_spiffe_id = "spiffe://b.test/spire/server"
      }
    }
    federates_with "c.test" {
      bundle_endpoint_url = "https://c.test/bundle"
      bundle_endpoint_profile "https_web" {}
    }`),
    );
    expect(warnings).toEqual([]);
    expect(config.server.federation).toEqual({
      bundleEndpoint: {
        address: '127.0.0.1',
        port: 8443,
        refreshHintSeconds: 120,
        profile: {
          kind: 'https_web',
          certFilePath: '/etc/lanyard/web.crt',
          keyFilePath: '/etc/lanyard/web.key',
          fileSyncIntervalMs: 30_000,
        },
      },
      federatesWith: [
        {
          trustDomain: 'b.test',
          bundleEndpointUrl: 'https://127.0.0.1:9443',
          bundleEndpointProfile: 'https_spiffe',
          endpointSpiffeId: 'spiffe://b.test/spire/server',
        },
        {
          trustDomain: 'c.test',
          bundleEndpointUrl: 'https://c.test/bundle',
          bundleEndpointProfile: 'https_web',
        },
      ],
    });
  });

  it("applies SPIRE's defaults, and warns when no profile is given", () => {
    const { config, warnings } = parseServerConfig(file('bundle_endpoint {}'));
    expect(config.server.federation.bundleEndpoint).toEqual({
      address: '0.0.0.0',
      port: 443,
      refreshHintSeconds: 300,
      profile: { kind: 'https_spiffe' },
    });
    expect(warnings).toContain('federation.bundle_endpoint has no profile; using "https_spiffe"');
  });

  it('has no bundle endpoint and no relationships without the block', () => {
    const { config } = parseServerConfig(file(''));
    expect(config.server.federation).toEqual({ federatesWith: [] });
  });

  it('refuses acme with a clear error, in the profile and directly under bundle_endpoint', () => {
    const inProfile = messageOf(
      file(`bundle_endpoint {
      profile "https_web" {
        acme {
          domain_name = "example.org"
          email = "admin@example.org"
        }
      }
    }`),
    );
    expect(inProfile).toMatch(
      /server\.federation\.bundle_endpoint\.profile\.https_web\.acme.*acme is not supported yet/,
    );
    const direct = messageOf(file('bundle_endpoint {\n acme { domain_name = "x" }\n }'));
    expect(direct).toMatch(/bundle_endpoint\.acme.*acme is not supported yet/);
  });

  it('reports unknown keys in every federation section', () => {
    const message = messageOf(
      file(`bundle_endpoint {
      prot = 1
    }
    federates_with "b.test" {
      bundle_endpoint_url = "https://b.test"
      bundle_endpoint_profile "https_web" {}
      colour = "blue"
    }`),
    );
    expect(message).toMatch(/unknown configuration detected: section "bundle endpoint": keys prot/);
    expect(message).toMatch(/section "federates_with": keys colour/);
  });

  it('refuses bad relationships naming the key', () => {
    const cases: Array<[string, RegExp]> = [
      [
        'federates_with "b.test" {\n bundle_endpoint_url = "http://b.test"\n bundle_endpoint_profile "https_web" {}\n }',
        /bundle_endpoint_url.*must use the HTTPS protocol; URL found: "http:\/\/b.test"/,
      ],
      [
        'federates_with "b.test" {\n bundle_endpoint_profile "https_web" {}\n }',
        /federates_with\["b.test"\]\.bundle_endpoint_url.*must be configured/,
      ],
      [
        'federates_with "b.test" {\n bundle_endpoint_url = "https://b.test"\n }',
        /bundle_endpoint_profile.*must be configured/,
      ],
      [
        'federates_with "b.test" {\n bundle_endpoint_url = "https://b.test"\n bundle_endpoint_profile "https_spiffe" {}\n }',
        /endpoint_spiffe_id.*must be configured for the "https_spiffe" profile/,
      ],
      [
        'federates_with "b.test" {\n bundle_endpoint_url = "https://b.test"\n bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "b.test/x" }\n }',
        /could not get endpoint SPIFFE ID/,
      ],
      [
        'federates_with "b.test" {\n bundle_endpoint_url = "https://b.test"\n bundle_endpoint_profile "https_web" { endpoint_spiffe_id = "spiffe://b.test/x" }\n }',
        /endpoint_spiffe_id.*only valid with the "https_spiffe" profile/,
      ],
      [
        'federates_with "B..test" {\n bundle_endpoint_url = "https://b.test"\n bundle_endpoint_profile "https_web" {}\n }',
        /invalid trust domain "B..test"/,
      ],
      [
        'federates_with "a.test" {\n bundle_endpoint_url = "https://a.test"\n bundle_endpoint_profile "https_web" {}\n }',
        /federates_with\["a.test"\].*relationship with our own trust domain "a.test" is not allowed/,
      ],
      [
        'bundle_endpoint {\n profile "https_web" {}\n }',
        /profile\.https_web.*serving_cert_file must be configured/,
      ],
      ['bundle_endpoint {\n profile "mtls" {}\n }', /unknown profile "mtls"/],
    ];
    for (const [block, expected] of cases) expect(messageOf(file(block))).toMatch(expected);
  });

  it('re-checks the own trust domain after a -trustDomain flag', () => {
    const { config } = parseServerConfig(
      file(
        'federates_with "b.test" {\n bundle_endpoint_url = "https://b.test"\n bundle_endpoint_profile "https_web" {}\n }',
      ),
    );
    expect(() => applyServerFlags(config, { trustDomain: 'b.test' })).toThrow(
      /relationship with our own trust domain "b.test"/,
    );
  });
});
