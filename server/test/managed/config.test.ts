/** The `managed_workloads {}` block of `server {}` (Lanyard extension). */
import { parseServerConfig } from '../../src/config';
import { minimalServerConf as minimal } from '../config-fixtures';

const block = (body: string): string => `managed_workloads {
  serving_cert_file {
    cert_file_path = "/etc/lanyard/managed.pem"
    key_file_path = "/etc/lanyard/managed.key"
  }
${body}
}`;

const problems = (text: string): string => {
  try {
    parseServerConfig(minimal(text));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('server.managed_workloads', () => {
  it('is off unless present', () => {
    expect(parseServerConfig(minimal()).config.server.managedWorkloads).toBeUndefined();
  });

  it('reads every key, with defaults for the ones left out', () => {
    const { config } = parseServerConfig(
      minimal(
        block(`  address = "127.0.0.1"
  port = 9443
  server_id = "lanyard.example.org"
  max_proof_age = "2m"
  jwt_svid_ttl = "10m"
  rate_limit { requests_per_minute = 30 }
  aws_iam {}
  gcp_sa { audience = "https://lanyard.example.org" }
  azure_mi {
    app_id_uri = "api://lanyard"
    tenants = ["72F988BF-86F1-41AF-91AB-2D7CD011DB47"]
  }`),
      ),
    );
    expect(config.server.managedWorkloads).toEqual({
      address: '127.0.0.1',
      port: 9443,
      servingCertFile: '/etc/lanyard/managed.pem',
      servingKeyFile: '/etc/lanyard/managed.key',
      fileSyncIntervalMs: 3_600_000,
      serverId: 'lanyard.example.org',
      maxProofAgeMs: 120_000,
      x509SvidTtlSeconds: 0,
      jwtSvidTtlSeconds: 600,
      requestsPerMinute: 30,
      maxConnections: 1024,
      awsIam: { stsEndpoint: 'https://sts.amazonaws.com', stsCaFile: undefined },
      gcpSa: {
        audience: 'https://lanyard.example.org',
        jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
      },
      azureMi: {
        appIdUri: 'api://lanyard',
        appId: undefined,
        tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
        authorityHost: 'https://login.microsoftonline.com',
      },
    });
  });

  it('reports each bad key with its path and position', () => {
    const text = problems(
      block(`  max_proof_age = "2h"
  aws_iam { sts_endpoint = "http://sts.amazonaws.com" }
  gcp_sa { jwks_url = "http://keys.example.com/certs" }
  azure_mi { tenants = ["contoso"] }`),
    );
    expect(text).toMatch(
      /server\.managed_workloads\.max_proof_age \(line 10, column 3\): must be a positive duration of at most 1h/,
    );
    expect(text).toContain('server.managed_workloads.aws_iam.sts_endpoint');
    expect(text).toContain('must use https: "http://sts.amazonaws.com"');
    expect(text).toContain('server.managed_workloads.gcp_sa.audience');
    expect(text).toContain('must use https (http only to a loopback host): "http://keys.example.com/certs"');
    expect(text).toContain('"contoso" is not a tenant ID (a GUID)');
    expect(text).toContain('server.managed_workloads.azure_mi.app_id_uri');
  });

  it('needs a serving certificate and at least one cloud, and refuses unknown keys', () => {
    const bare = problems('managed_workloads {\n  port = 9443\n}');
    expect(bare).toContain('serving_cert_file { cert_file_path, key_file_path } must be configured');
    expect(bare).toContain('at least one of aws_iam, gcp_sa or azure_mi must be configured');
    expect(problems(block('  aws_iam { region = "us-east-1" }'))).toMatch(
      /unknown configuration detected.*region/,
    );
  });
});
