import { randomBytes, randomUUID } from 'node:crypto';
import { awsRequestId, jsonError as awsError } from './aws-xml';
import { HttpFake, type FakeResponse, type RecordedRequest } from './http-fake';
import { type FakeAwsCredentials, type VerifiedCaller, verifySigV4 } from './sigv4-check';

/** A secret as the fake keeps it. */
export interface FakeSecret {
  readonly name: string;
  readonly arn: string;
  tags: { Key: string; Value: string }[];
  kmsKeyId?: string;
  /** Values, oldest first; the last one is `AWSCURRENT`. */
  readonly versions: { id: string; binary?: Buffer; text?: string }[];
  /** Set while the secret is scheduled for deletion. */
  deletedDate?: Date;
  readonly createdDate: Date;
}

/** One API call the fake accepted (signature valid). */
export interface SecretsManagerCall {
  readonly action: string;
  readonly caller: VerifiedCaller;
  readonly input: Record<string, unknown>;
}

const ACCOUNT = '123456789012';
type Handler = (input: Record<string, unknown>, region: string) => FakeResponse;

/**
 * Loopback fake of AWS Secrets Manager's JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.<Action>`):
 * CreateSecret, DescribeSecret, PutSecretValue, GetSecretValue, DeleteSecret (with a recovery window),
 * RestoreSecret and TagResource, with AWS's error documents (`__type`). Every request must carry a valid SigV4
 * signature for the `secretsmanager` service by a key `lookup` knows (base keys or ones STS issued).
 */
export class FakeSecretsManager extends HttpFake {
  readonly secrets = new Map<string, FakeSecret>();
  readonly calls: SecretsManagerCall[] = [];
  private readonly actions: Record<string, Handler> = {
    CreateSecret: (input, region) => this.create(input, region),
    DescribeSecret: (input) => this.withSecret(input, (s) => ok(describe(s))),
    PutSecretValue: (input) =>
      this.withLive(input, (s) => ok({ ...ids(s), VersionId: addVersion(s, input) })),
    GetSecretValue: (input) => this.withLive(input, (s) => ok(currentValue(s))),
    DeleteSecret: (input) => this.withSecret(input, (s) => this.delete(s, input)),
    RestoreSecret: (input) =>
      this.withSecret(input, (s) => {
        s.deletedDate = undefined;
        return ok(ids(s));
      }),
    TagResource: (input) =>
      this.withSecret(input, (s) => {
        for (const tag of (input.Tags as FakeSecret['tags']) ?? []) {
          s.tags = [...s.tags.filter((t) => t.Key !== tag.Key), tag];
        }
        return ok({});
      }),
  };

  constructor(private readonly lookup: (accessKeyId: string) => FakeAwsCredentials | undefined) {
    super((req) => this.route(req));
  }

  /** Creates a secret directly (as another tool would), with the given tags and a text value. */
  seed(name: string, value: string, tags: FakeSecret['tags'] = [], region = 'us-east-1'): FakeSecret {
    const secret = newSecret(name, region, tags);
    secret.versions.push({ id: randomUUID(), text: value });
    this.secrets.set(name, secret);
    return secret;
  }

  /** The current binary value of a secret, if any. */
  currentBinary(name: string): Buffer | undefined {
    return this.secrets.get(name)?.versions.at(-1)?.binary;
  }

  private route(req: RecordedRequest): FakeResponse {
    if (req.method !== 'POST' || req.path !== '/') return { status: 404 };
    const caller = verifySigV4(req, req.query, this.lookup);
    if (typeof caller === 'string') return awsError(403, 'InvalidSignatureException', caller);
    if (caller.service !== 'secretsmanager') {
      return awsError(
        403,
        'InvalidSignatureException',
        `credential should be scoped to correct service: 'secretsmanager'`,
      );
    }
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return awsError(400, 'SerializationException', 'content type must be application/x-amz-json-1.1');
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(req.body || '{}') as Record<string, unknown>;
    } catch {
      return awsError(400, 'SerializationException', 'the request body is not JSON');
    }
    const handler = this.actions[action];
    if (handler === undefined)
      return awsError(400, 'UnknownOperationException', `unknown operation ${target}`);
    this.calls.push({ action, caller, input });
    return handler(input, caller.region);
  }

  private find(id: unknown): FakeSecret | undefined {
    if (typeof id !== 'string') return undefined;
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
  }

  private withSecret(input: Record<string, unknown>, then: (s: FakeSecret) => FakeResponse): FakeResponse {
    const secret = this.find(input.SecretId);
    if (!secret)
      return awsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return then(secret);
  }

  private withLive(input: Record<string, unknown>, then: (s: FakeSecret) => FakeResponse): FakeResponse {
    return this.withSecret(input, (s) =>
      s.deletedDate
        ? awsError(
            400,
            'InvalidRequestException',
            "You can't perform this operation on the secret because it was marked for deletion.",
          )
        : then(s),
    );
  }

  private create(input: Record<string, unknown>, region: string): FakeResponse {
    const name = input.Name;
    if (typeof name !== 'string' || name === '')
      return awsError(400, 'InvalidParameterException', 'Name is required');
    if (this.secrets.has(name)) {
      return awsError(
        400,
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const secret = newSecret(name, region, (input.Tags as FakeSecret['tags']) ?? []);
    if (typeof input.KmsKeyId === 'string') secret.kmsKeyId = input.KmsKeyId;
    const versionId = addVersion(secret, input);
    this.secrets.set(name, secret);
    return ok({ ...ids(secret), VersionId: versionId });
  }

  private delete(secret: FakeSecret, input: Record<string, unknown>): FakeResponse {
    if (input.ForceDeleteWithoutRecovery === true) {
      this.secrets.delete(secret.name);
      return ok({ ...ids(secret), DeletionDate: Date.now() / 1000 });
    }
    const days = typeof input.RecoveryWindowInDays === 'number' ? input.RecoveryWindowInDays : 30;
    if (days < 7 || days > 30) {
      return awsError(400, 'InvalidParameterException', 'RecoveryWindowInDays must be between 7 and 30');
    }
    secret.deletedDate = new Date(Date.now() + days * 86_400_000);
    return ok({ ...ids(secret), DeletionDate: secret.deletedDate.getTime() / 1000 });
  }
}

function newSecret(name: string, region: string, tags: FakeSecret['tags']): FakeSecret {
  const suffix = randomBytes(3).toString('hex');
  return {
    name,
    arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`,
    tags: [...tags],
    versions: [],
    createdDate: new Date(),
  };
}

function addVersion(secret: FakeSecret, input: Record<string, unknown>): string {
  const id = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
  const binary =
    typeof input.SecretBinary === 'string' ? Buffer.from(input.SecretBinary, 'base64') : undefined;
  const text = typeof input.SecretString === 'string' ? input.SecretString : undefined;
  secret.versions.push({ id, binary, text });
  return id;
}

function ids(s: FakeSecret): { ARN: string; Name: string } {
  return { ARN: s.arn, Name: s.name };
}

function describe(s: FakeSecret): Record<string, unknown> {
  const current = s.versions.at(-1);
  return {
    ...ids(s),
    Tags: s.tags,
    KmsKeyId: s.kmsKeyId,
    CreatedDate: s.createdDate.getTime() / 1000,
    DeletedDate: s.deletedDate ? s.deletedDate.getTime() / 1000 : undefined,
    VersionIdsToStages: current ? { [current.id]: ['AWSCURRENT'] } : {},
  };
}

function currentValue(s: FakeSecret): Record<string, unknown> {
  const current = s.versions.at(-1);
  return {
    ...ids(s),
    VersionId: current?.id,
    SecretBinary: current?.binary?.toString('base64'),
    SecretString: current?.text,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: s.createdDate.getTime() / 1000,
  };
}

function ok(value: Record<string, unknown>): FakeResponse {
  return {
    status: 200,
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': awsRequestId() },
  };
}
