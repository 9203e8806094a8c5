import { X509Certificate, createHash, randomBytes, verify } from 'node:crypto';
import { HttpFake, json, type FakeResponse, type RecordedRequest } from '../cloud/http-fake';

/** A Roles Anywhere trust anchor of source type `CERTIFICATE_BUNDLE`. */
export interface FakeTrustAnchor {
  readonly trustAnchorArn: string;
  /** PEM or DER root certificates (e.g. the trust domain's X.509 bundle). */
  readonly certificates: ReadonlyArray<string | Buffer>;
}

/** A Roles Anywhere profile: the roles a session may assume and the session length cap. */
export interface FakeRolesAnywhereProfile {
  readonly profileArn: string;
  readonly roleArns: readonly string[];
  /** Default 3600 s. */
  readonly durationSeconds?: number;
}

/** A role's trust condition on the certificate: allowed `aws:PrincipalTag/x509SAN/URI` values (any when absent). */
export interface FakeRolesAnywhereRole {
  readonly roleArn: string;
  readonly allowedSanUris?: readonly string[];
}

/** A session the fake created. */
export interface IssuedRolesAnywhereSession {
  readonly roleArn: string;
  /** URI SAN of the signing certificate (the SPIFFE ID of an X.509-SVID). */
  readonly sanUri: string | undefined;
  readonly serialNumber: string;
  readonly accessKeyId: string;
}

const AUTH =
  /^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=(\d+)\/(\d{8})\/([^/]+)\/rolesanywhere\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;
const sha256hex = (data: string): string => createHash('sha256').update(data).digest('hex');

/**
 * Loopback fake of IAM Roles Anywhere `POST /sessions` (CreateSession). The request must be SigV4-signed with the
 * certificate's private key (`AWS4-X509-RSA-SHA256` / `AWS4-X509-ECDSA-SHA256`, leaf in `X-Amz-X509`, intermediates
 * in `X-Amz-X509-Chain`, the leaf's decimal serial in the credential); the leaf must chain to the trust anchor, be
 * current and not a CA; the profile must list the role and the role's URI-SAN condition must hold. Answers 201 with
 * a `credentialSet`, or AWS REST-JSON errors (`x-amzn-ErrorType`, `{"message"}`).
 */
export class FakeRolesAnywhere extends HttpFake {
  readonly trustAnchors = new Map<string, FakeTrustAnchor>();
  readonly profiles = new Map<string, FakeRolesAnywhereProfile>();
  readonly roles = new Map<string, FakeRolesAnywhereRole>();
  /** Sessions created, oldest first. */
  readonly issued: IssuedRolesAnywhereSession[] = [];

  constructor() {
    super((req, url) => this.route(req, url));
  }

  /** Registers a trust anchor. */
  addTrustAnchor(anchor: FakeTrustAnchor): void {
    this.trustAnchors.set(anchor.trustAnchorArn, anchor);
  }

  /** Registers a profile. */
  addProfile(profile: FakeRolesAnywhereProfile): void {
    this.profiles.set(profile.profileArn, profile);
  }

  /** Registers a role. */
  addRole(role: FakeRolesAnywhereRole): void {
    this.roles.set(role.roleArn, role);
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    if (req.method !== 'POST' || url.pathname !== '/sessions')
      return restError(404, 'ResourceNotFoundException', 'Not found');
    const signed = verifyX509Signature(req, url.search.slice(1));
    if (typeof signed === 'string') return restError(403, 'AccessDeniedException', signed);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return restError(400, 'ValidationException', 'the request body is not JSON');
    }
    const { trustAnchorArn, profileArn, roleArn } = body;
    const duration = body.durationSeconds ?? 3600;
    if (typeof trustAnchorArn !== 'string' || typeof profileArn !== 'string' || typeof roleArn !== 'string') {
      return restError(400, 'ValidationException', 'trustAnchorArn, profileArn and roleArn are required');
    }
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return restError(400, 'ValidationException', 'durationSeconds must be between 900 and 43200');
    }
    const anchor = this.trustAnchors.get(trustAnchorArn);
    if (!anchor) return restError(403, 'AccessDeniedException', 'Unable to find trust anchor');
    const chainError = chainsToAnchor(signed.leaf, signed.intermediates, anchor);
    if (chainError) return restError(403, 'AccessDeniedException', `Untrusted certificate. ${chainError}`);
    const profile = this.profiles.get(profileArn);
    if (!profile) return restError(403, 'AccessDeniedException', 'Unable to find profile');
    if (!profile.roleArns.includes(roleArn)) {
      return restError(403, 'AccessDeniedException', 'Role is not associated with the profile');
    }
    const role = this.roles.get(roleArn);
    const sanUri = uriSan(signed.leaf);
    if (!role || (role.allowedSanUris && (sanUri === undefined || !role.allowedSanUris.includes(sanUri)))) {
      return restError(
        403,
        'AccessDeniedException',
        'Unable to assume role: the role trust policy does not allow this certificate',
      );
    }
    const seconds = Math.min(duration, profile.durationSeconds ?? 3600);
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const serialNumber = BigInt(`0x${signed.leaf.serialNumber}`).toString(10);
    this.issued.push({ roleArn, sanUri, serialNumber, accessKeyId });
    const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + seconds * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const roleName = roleArn.split('/').pop() ?? 'role';
    return json(201, {
      credentialSet: [
        {
          assumedRoleUser: {
            arn: `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${serialNumber}`,
            assumedRoleId: `AROA${randomBytes(8).toString('hex').toUpperCase()}:${serialNumber}`,
          },
          credentials: {
            accessKeyId,
            secretAccessKey: randomBytes(30).toString('base64'),
            sessionToken: randomBytes(96).toString('base64'),
            expiration,
          },
          packedPolicySize: 0,
          roleArn,
          sourceIdentity: `CN=${roleName}`,
        },
      ],
      subjectArn: `arn:aws:rolesanywhere:us-east-1:111122223333:subject/${randomBytes(16).toString('hex')}`,
    });
  }
}

interface SignedBy {
  readonly leaf: X509Certificate;
  readonly intermediates: X509Certificate[];
}

/** Checks the SigV4 X.509 signature; returns the presented certificates, or why the request is refused. */
function verifyX509Signature(req: RecordedRequest, query: string): SignedBy | string {
  const match = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!match)
    return 'missing or malformed Authorization header (AWS4-X509-RSA-SHA256 or AWS4-X509-ECDSA-SHA256)';
  const [, algorithm, serial, date, region, signedHeaders, signature] = match;
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) return 'missing or mismatched X-Amz-Date';
  const names = signedHeaders.split(';');
  if (!['host', 'x-amz-date', 'x-amz-x509'].every((n) => names.includes(n))) {
    return 'host, x-amz-date and x-amz-x509 must be signed';
  }
  let leaf: X509Certificate;
  let intermediates: X509Certificate[];
  try {
    leaf = new X509Certificate(Buffer.from(String(req.headers['x-amz-x509'] ?? ''), 'base64'));
    const chain = req.headers['x-amz-x509-chain'];
    intermediates =
      typeof chain === 'string' && chain !== ''
        ? chain.split(',').map((c) => new X509Certificate(Buffer.from(c.trim(), 'base64')))
        : [];
  } catch {
    return 'X-Amz-X509 or X-Amz-X509-Chain is not base64 DER certificates';
  }
  if (BigInt(`0x${leaf.serialNumber}`).toString(10) !== serial)
    return 'the credential serial is not the certificate serial';
  const keyType = leaf.publicKey.asymmetricKeyType;
  const expected =
    keyType === 'rsa' ? 'AWS4-X509-RSA-SHA256' : keyType === 'ec' ? 'AWS4-X509-ECDSA-SHA256' : undefined;
  if (algorithm !== expected) return `algorithm ${algorithm} does not fit a ${String(keyType)} key`;
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    req.method,
    req.path,
    query,
    canonicalHeaders,
    signedHeaders,
    sha256hex(req.body),
  ].join('\n');
  const scope = `${date}/${region}/rolesanywhere/aws4_request`;
  const stringToSign = [algorithm, amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  if (!verify('sha256', Buffer.from(stringToSign, 'utf8'), leaf.publicKey, Buffer.from(signature, 'hex'))) {
    return 'the request signature does not verify with the certificate key';
  }
  return { leaf, intermediates };
}

/** Walks leaf → intermediates → a trust-anchor root; returns why it fails, or `undefined` when it chains. */
function chainsToAnchor(
  leaf: X509Certificate,
  intermediates: X509Certificate[],
  anchor: FakeTrustAnchor,
): string | undefined {
  if (leaf.ca) return 'Insufficient certificate: the end-entity certificate is a CA';
  const roots = anchor.certificates.map((c) => new X509Certificate(c));
  const now = Date.now();
  let current = leaf;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (Date.parse(current.validFrom) > now || Date.parse(current.validTo) < now) {
      return `certificate ${current.subject || current.serialNumber} is outside its validity period`;
    }
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) return undefined;
    const next = intermediates.find((i) => i.ca && current.checkIssued(i) && current.verify(i.publicKey));
    if (!next) break;
    current = next;
  }
  return 'the certificate does not chain to the trust anchor';
}

function uriSan(cert: X509Certificate): string | undefined {
  return /(?:^|, )URI:([^,]+)/.exec(cert.subjectAltName ?? '')?.[1];
}

function restError(status: number, type: string, message: string): FakeResponse {
  return json(status, { message }, { 'x-amzn-errortype': type });
}
