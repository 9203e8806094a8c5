/** The X.509 CA flavour of {@link AuthorityKind}: self-signed or upstream-signed CA certificates. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { AuthorityKind } from './authority-manager';
import type { PublishedAuthority } from './authority-slots';
import { parseCertificate } from './der/parse-certificate';
import { createCertSigner, subjectKeyId } from './der/signer';
import { spkiOf } from './der/spki';
import type { StoredX509Record } from './journal';
import { DiskUpstreamAuthority } from './upstream-disk';
import { issuerSubjectKeyId, type SpireUpstreamAuthority } from './upstream-spire';
import { loadX509Authority, type X509Authority } from './x509-authority';
import { issueCaCertificate } from './x509-templates';
import type { CaSubject, KeyType } from './types';
import { TrustDomain } from '@lanyard/spiffe/id';

/** Inputs of the X.509 kind. */
export interface X509KindOptions {
  /** Trust domain name. */
  trustDomain: string;
  /** `ca_key_type`. */
  keyType: KeyType;
  /** `ca_ttl` in ms. */
  caTtlMs: number;
  /** `ca_subject` with defaults applied. */
  subject: Required<Pick<CaSubject, 'country' | 'organization'>> & Pick<CaSubject, 'commonName'>;
  /** Upstream authority, when configured. */
  upstream?: DiskUpstreamAuthority | SpireUpstreamAuthority;
}

/** Builds the X.509 kind. */
export function x509Kind(options: X509KindOptions): AuthorityKind<X509Authority, StoredX509Record> {
  return {
    keyIdPrefix: 'x509-CA-',
    logName: 'X509 CA',
    labels: { noun: 'root CA', missing: 'no ca found with provided subject key ID' },
    keyType: options.keyType,
    mint: (key, nowMs) => mintX509Authority(options, key, nowMs),
    load: (record, key) =>
      loadX509Authority(
        {
          certDer: Buffer.from(record.certDer, 'base64'),
          chainDer: record.chainDer.map((c) => Buffer.from(c, 'base64')),
          rootsDer: record.rootsDer.map((c) => Buffer.from(c, 'base64')),
          upstreamAuthoritySubjectKeyId: record.upstreamAuthoritySubjectKeyId,
        },
        key,
      ),
    toRecord: (authority) => ({
      certDer: authority.certDer.toString('base64'),
      chainDer: authority.chainDer.map((c) => c.toString('base64')),
      rootsDer: authority.rootsDer.map((c) => c.toString('base64')),
      upstreamAuthoritySubjectKeyId: authority.upstreamAuthoritySubjectKeyId,
    }),
    publishedEntries: (authority) => authority.rootsDer.map(rootEntry),
  };
}

async function mintX509Authority(
  options: X509KindOptions,
  key: KeyObject,
  nowMs: number,
): Promise<X509Authority> {
  const request = {
    trustDomainId: TrustDomain.parse(options.trustDomain).idString(),
    spkiDer: spkiOf(key),
    subject: options.subject,
    ttlMs: options.caTtlMs,
  };
  if (!options.upstream) {
    const certDer = issueCaCertificate({ signer: createCertSigner(key) }, request, nowMs);
    return loadX509Authority(
      { certDer, chainDer: [], rootsDer: [certDer], upstreamAuthoritySubjectKeyId: '' },
      key,
    );
  }
  if (!(options.upstream instanceof DiskUpstreamAuthority)) {
    return mintFromUpstreamServer(options.upstream, key, options.caTtlMs);
  }
  const upstream = options.upstream.load();
  const certDer = issueCaCertificate(
    {
      signer: upstream.signer,
      subjectDer: upstream.subjectDer,
      subjectKeyId: upstream.subjectKeyId,
      notAfterCap: upstream.notAfter,
    },
    request,
    nowMs,
  );
  return loadX509Authority(
    {
      certDer,
      chainDer: upstream.chainDer,
      rootsDer: upstream.rootsDer,
      upstreamAuthoritySubjectKeyId: upstream.subjectKeyId.toString('hex'),
    },
    key,
  );
}

/** Our CA signed by an upstream server (`NewDownstreamX509CA`): it sends our certificate, then what is above it. */
async function mintFromUpstreamServer(
  upstream: SpireUpstreamAuthority,
  key: KeyObject,
  caTtlMs: number,
): Promise<X509Authority> {
  const { chainDer, rootsDer } = await upstream.mintX509Ca(key, Math.ceil(caTtlMs / 1000));
  const [certDer, ...above] = chainDer;
  return loadX509Authority(
    {
      certDer,
      chainDer: above,
      rootsDer,
      upstreamAuthoritySubjectKeyId: issuerSubjectKeyId(certDer, [...above, ...rootsDer]),
    },
    key,
  );
}

/** The bundle entry for one root certificate. */
export function rootEntry(der: Buffer): PublishedAuthority {
  const parsed = parseCertificate(der, 'root certificate');
  const id = (parsed.subjectKeyId ?? subjectKeyId(parsed.spkiDer)).toString('hex');
  return { id, der, notAfter: Date.parse(new X509Certificate(der).validTo), tainted: false };
}
