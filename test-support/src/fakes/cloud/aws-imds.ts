import { randomBytes, sign } from 'node:crypto';
import { HttpFake, type FakeResponse, type RecordedRequest } from './http-fake';
import { signPkcs7 } from './pkcs7';
import { createSigningIdentity, type SigningIdentity } from './signing-identity';

/** The fields of an EC2 instance identity document (as `/latest/dynamic/instance-identity/document` serves it). */
export interface InstanceIdentityDocument {
  accountId: string;
  architecture: string;
  availabilityZone: string;
  imageId: string;
  instanceId: string;
  instanceType: string;
  pendingTime: string;
  privateIp: string;
  region: string;
  version: string;
}

/** A sample document for account 123456789012 in us-east-1. */
export function sampleInstanceIdentityDocument(): InstanceIdentityDocument {
  return {
    accountId: '123456789012',
    architecture: 'x86_64',
    availabilityZone: 'us-east-1a',
    imageId: 'ami-0123456789abcdef0',
    instanceId: 'i-0abc1234def567890',
    instanceType: 't3.micro',
    pendingTime: '2026-11-24T06:00:00Z',
    privateIp: '10.0.0.12',
    region: 'us-east-1',
    version: '2017-09-30',
  };
}

const TOKEN_PATH = '/latest/api/token';
const DYNAMIC = '/latest/dynamic/instance-identity/';
const ROLE_CREDENTIALS = '/latest/meta-data/iam/security-credentials/';

/**
 * Loopback fake of the EC2 instance metadata service. IMDSv2 by default: `PUT /latest/api/token` with
 * `X-aws-ec2-metadata-token-ttl-seconds` (1–21600, else 400) issues a session token; GETs without a valid
 * `X-aws-ec2-metadata-token` get 401 unless {@link allowImdsV1} is set. Serves the identity document and its
 * `signature` (SHA256-RSA PKCS#1 v1.5, base64), `rsa2048` and `pkcs7` (PKCS#7 SignedData, base64 in 64-column lines).
 */
export class FakeAwsImds extends HttpFake {
  /** The document served (and signed) on every request; tests edit it. */
  document: InstanceIdentityDocument = sampleInstanceIdentityDocument();
  /** Serve metadata without a session token (IMDSv1). */
  allowImdsV1 = false;
  /** Answer the token endpoint with 403 (an IMDSv1-only endpoint or a blocked PUT). */
  tokenEndpointDisabled = false;
  /**
   * The instance profile role served under `/latest/meta-data/iam/security-credentials/` (as the SDK's
   * instance-role credential provider reads it); none when unset (404).
   */
  instanceRole?: { name: string; accessKeyId: string; secretAccessKey: string; sessionToken: string };
  private readonly tokens = new Set<string>();

  private constructor(
    /** Key for `signature` and `pkcs7` (the "RSA-1024" AWS certificate; 1024-bit here too). */
    readonly signer: SigningIdentity,
    /** Key for `rsa2048`. */
    readonly signer2048: SigningIdentity,
  ) {
    super((req) => this.route(req));
  }

  /**
   * Creates the fake (call `start()` next). Pass signers from an earlier fake to skip RSA key generation;
   * fresh ones are generated otherwise.
   */
  static async create(signers?: {
    signer: SigningIdentity;
    signer2048: SigningIdentity;
  }): Promise<FakeAwsImds> {
    if (signers) return new FakeAwsImds(signers.signer, signers.signer2048);
    const [signer, signer2048] = await Promise.all([
      createSigningIdentity({ commonName: 'Fake AWS IID signer', modulusLength: 1024 }),
      createSigningIdentity({ commonName: 'Fake AWS IID signer RSA-2048' }),
    ]);
    return new FakeAwsImds(signer, signer2048);
  }

  /** The document exactly as served (AWS pretty-prints it with two-space indentation). */
  documentText(): string {
    return JSON.stringify(this.document, null, 2);
  }

  private async route(req: RecordedRequest): Promise<FakeResponse> {
    if (req.path === TOKEN_PATH) return this.issueToken(req);
    if (req.method !== 'GET') return { status: 405 };
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token === 'string' ? !this.tokens.has(token) : !this.allowImdsV1) return { status: 401 };
    if (req.path.startsWith(ROLE_CREDENTIALS))
      return this.roleCredentials(req.path.slice(ROLE_CREDENTIALS.length));
    if (!req.path.startsWith(DYNAMIC)) return { status: 404 };
    const text = this.documentText();
    switch (req.path.slice(DYNAMIC.length)) {
      case 'document':
        return { status: 200, body: text };
      case 'signature':
        return {
          status: 200,
          body: sign('sha256', Buffer.from(text), this.signer.privateKey).toString('base64'),
        };
      case 'rsa2048':
        return {
          status: 200,
          body: wrap64(signPkcs7(this.signer2048, Buffer.from(text), { indefiniteLength: true })),
        };
      case 'pkcs7':
        return {
          status: 200,
          body: wrap64(signPkcs7(this.signer, Buffer.from(text), { indefiniteLength: true })),
        };
      default:
        return { status: 404 };
    }
  }

  private roleCredentials(name: string): FakeResponse {
    const role = this.instanceRole;
    if (!role) return { status: 404 };
    if (name === '') return { status: 200, body: role.name };
    if (name !== role.name) return { status: 404 };
    const body = {
      Code: 'Success',
      LastUpdated: new Date().toISOString(),
      Type: 'AWS-HMAC',
      AccessKeyId: role.accessKeyId,
      SecretAccessKey: role.secretAccessKey,
      Token: role.sessionToken,
      Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
    };
    return { status: 200, body: JSON.stringify(body), headers: { 'content-type': 'text/plain' } };
  }

  private issueToken(req: RecordedRequest): FakeResponse {
    if (req.method !== 'PUT') return { status: 405 };
    if (this.tokenEndpointDisabled) return { status: 403 };
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return { status: 400 };
    const token = randomBytes(24).toString('base64');
    this.tokens.add(token);
    return { status: 200, body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
  }
}

function wrap64(der: Buffer): string {
  return (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
}
