import { parseConfigText } from '@lanyard/common';
import { helperConfigFromParsed } from '../src';

function load(text: string) {
  return helperConfigFromParsed(parseConfigText(text, { filename: 'helper.conf' }), '/work');
}

describe('helper config (spiffe-helper keys)', () => {
  test('maps every key, resolves files under cert_dir and reads octal modes as HCL v1 does', () => {
    const config = load(`
agent_address = "/tmp/agent.sock"
cmd = "ghostunnel"
cmd_args = "server --listen 'localhost:8002' --allow-uri-san \\"spiffe://example.org/db\\""
cert_dir = "certs"
renew_signal = "SIGUSR1"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
jwt_svids = [{jwt_audience="sts.amazonaws.com", jwt_extra_audiences=["x"], jwt_svid_file_name="aws.token"}]
jwt_bundle_file_name = "bundle.json"
include_federated_domains = true
add_intermediates_to_bundle = true
cert_file_mode = 0444
key_file_mode = 0400
jwt_bundle_file_mode = 0444
jwt_svid_file_mode = 0440
hint = "internal"
health_checks { listener_enabled = true, bind_port = 9000 }
`);
    expect(config).toMatchObject({
      agentAddress: 'unix:///tmp/agent.sock',
      cmd: {
        file: 'ghostunnel',
        args: ['server', '--listen', 'localhost:8002', '--allow-uri-san', 'spiffe://example.org/db'],
      },
      certDir: '/work/certs',
      daemonMode: true,
      renewSignal: 'SIGUSR1',
      x509Files: {
        svid: '/work/certs/svid.pem',
        key: '/work/certs/svid_key.pem',
        bundle: '/work/certs/svid_bundle.pem',
      },
      jwtSvids: [{ audience: 'sts.amazonaws.com', extraAudiences: ['x'], file: '/work/certs/aws.token' }],
      jwtBundleFile: '/work/certs/bundle.json',
      includeFederatedDomains: true,
      addIntermediatesToBundle: true,
      certFileMode: 0o444,
      keyFileMode: 0o400,
      jwtBundleFileMode: 0o444,
      jwtSvidFileMode: 0o440,
      hint: 'internal',
      health: { bindPort: 9000, livePath: '/live', readyPath: '/ready' },
    });
  });

  test('defaults: keys 0600, certificates 0644, JWT files 0600, daemon mode on, health off', () => {
    const config = load('jwt_svids = [{ jwt_audience = "a", jwt_svid_file_name = "a.token" }]');
    expect(config).toMatchObject({
      certFileMode: 0o644,
      keyFileMode: 0o600,
      jwtSvidFileMode: 0o600,
      daemonMode: true,
    });
    expect(config.health).toBeUndefined();
  });

  test('reports every problem at once, unknown keys included', () => {
    expect(() =>
      load(`
mystery_key = 1
svid_file_name = "svid.pem"
renew_signal = "SIGNOPE"
pid_file_name = "app.pid"
jwt_svids = [{ jwt_svid_file_name = "x", colour = "red" }]
`),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /mystery_key[\s\S]*svid_file_name, svid_key_file_name and svid_bundle_file_name[\s\S]*jwt_svids\[0\]: unknown keys colour[\s\S]*jwt_svids\[0\]\.jwt_audience is required[\s\S]*renew_signal "SIGNOPE"/,
        ),
      }),
    );
    expect(() => load('cert_dir = "x"')).toThrow(/nothing to write/);
    expect(() => load('cmd = "x"\ncmd_args = "a \'b"\njwt_bundle_file_name = "b.json"')).toThrow(
      /cmd_args: unterminated ' quote/,
    );
  });
});
