import { X509Certificate, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSelector } from '@lanyard/attestor-core';
import { der, InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { createSigningIdentity, signPkcs7 } from '@lanyard/test-support';
import { APP, DOMAIN, type ImdsWorld, agent, attestOnce, server, startWorld } from './helpers';

let world: ImdsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const SUB = 'd5b40d61-272e-48da-beb9-05f295c42bd6';
const VM_ID = '02aab8a4-74ef-476e-8182-f6d2ba4166a6';
const agentId = () => `spiffe://example.org/spire/agent/azure_imds/${world.imds.vm.tenantId}/${SUB}/${VM_ID}`;

/** Answers the challenge with the real agent, then lets `edit` rewrite the response. */
async function exchangeWith(
  edit: (response: Record<string, unknown>, nonce: string) => Promise<unknown> | unknown,
) {
  const a = await agent(world);
  const s = await server(world);
  return s.attest(await a.payload(), async (nonce) => {
    const response = JSON.parse((await a.respondToChallenge!(nonce)).toString()) as Record<string, unknown>;
    return Buffer.from(JSON.stringify(await edit(response, nonce.toString())));
  });
}

/** A document with `content` signed by `signer` (embedded), as the challenge response. */
function signedResponse(
  signer: Parameters<typeof signPkcs7>[0],
  content: unknown,
  options: Parameters<typeof signPkcs7>[2] = {},
) {
  const p7 = signPkcs7(signer, Buffer.from(JSON.stringify(content)), {
    embedCertificates: [signer],
    ...options,
  });
  return {
    document: { encoding: 'pkcs7', signature: p7.toString('base64') },
    metadata: { agentDomain: DOMAIN, vmssName: null },
  };
}

function docContent(nonce: string) {
  return {
    nonce,
    vmId: VM_ID,
    subscriptionId: SUB,
    timeStamp: { createdOn: '01/01/20 00:00:00 -0000', expiresOn: '01/01/99 00:00:00 -0000' },
  };
}

describe('azure_imds challenge/response', () => {
  it('attests with the attested document for the server nonce and resolves ARM selectors', async () => {
    const result = await attestOnce(world, {}, { secret_auth: APP, allowed_vm_tags: ['env'] });
    expect(result.agentId).toBe(agentId());
    expect(result.canReattest).toBe(false);
    expect(result.selectors.map(formatSelector)).toEqual([
      'azure_imds:network-security-group:net-rg:web-nsg',
      'azure_imds:resource-group:prod-rg',
      `azure_imds:subscription-id:${SUB}`,
      'azure_imds:virtual-network-subnet:prod-vnet:web-subnet',
      'azure_imds:virtual-network:prod-vnet',
      'azure_imds:vm-location:eastus',
      'azure_imds:vm-name:web-vm-1',
      'azure_imds:vm-tag:env:prod',
    ]);
  });

  it('asks IMDS for the document with exactly the nonce the server sent', async () => {
    const a = await agent(world);
    const s = await server(world);
    let sent = '';
    await s.attest(await a.payload(), async (nonce) => {
      sent = nonce.toString();
      return a.respondToChallenge!(nonce);
    });
    expect(sent).toMatch(/^[A-Za-z0-9]{32}$/);
    const req = world.imds.requests.find((r) => r.path === '/metadata/attested/document');
    expect(new URLSearchParams(req?.query).get('nonce')).toBe(sent);
    expect(req?.headers.metadata).toBe('true');
  });

  it('resolves ARM selectors through the default chain without tenant credentials, and fetches the intermediate once', async () => {
    const s = await server(world);
    for (let i = 0; i < 2; i++) {
      world.attested.clear();
      const a = await agent(world);
      const result = await s.attest(await a.payload(), (n) => a.respondToChallenge!(n));
      expect(result.selectors.map(formatSelector)).toContain(`azure_imds:subscription-id:${SUB}`);
      expect(result.selectors.map(formatSelector)).toContain('azure_imds:vm-name:web-vm-1');
    }
    expect(world.apis.requests.filter((r) => r.path.startsWith('/pkiops/')).length).toBe(1);
  });

  it('refuses a document replayed from another challenge (nonce mismatch)', async () => {
    const a = await agent(world);
    const old = await a.respondToChallenge!(Buffer.from('oldnonce123'));
    const attempt = (await server(world)).attest(await a.payload(), async () => old);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/nonce mismatch/);
  });

  it('refuses tampered content', async () => {
    const attempt = exchangeWith((response) => {
      const doc = response.document as { signature: string };
      doc.signature = replaceContent(Buffer.from(doc.signature, 'base64'), (content) => {
        const value = JSON.parse(content.toString()) as Record<string, string>;
        value.subscriptionId = '00000000-0000-0000-0000-000000000000';
        return Buffer.from(JSON.stringify(value));
      }).toString('base64');
      return response;
    });
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/signature verification failed/);
  });

  it('accepts a document signed without signed attributes, and refuses it once tampered', async () => {
    const { leaf } = world.apis.pki;
    const unattributed = (nonce: string) =>
      signedResponse(leaf, docContent(nonce), { withoutSignedAttributes: true });
    await expect(exchangeWith((_r, nonce) => unattributed(nonce))).resolves.toMatchObject({
      agentId: agentId(),
    });
    world.attested.clear();
    const tampered = exchangeWith((_r, nonce) => {
      const response = unattributed(nonce);
      response.document.signature = replaceContent(Buffer.from(response.document.signature, 'base64'), (c) =>
        Buffer.from(c.toString().replace(SUB, '00000000-0000-0000-0000-000000000000')),
      ).toString('base64');
      return response;
    });
    await expect(tampered).rejects.toThrow(/signature verification failed/);
  });

  it('refuses a signer whose certificate is not embedded (issuer and serial match nothing)', async () => {
    const other = await createSigningIdentity({
      commonName: 'metadata.azure.com',
      dnsNames: ['metadata.azure.com'],
    });
    const attempt = exchangeWith((_r, nonce) =>
      signedResponse(world.apis.pki.leaf, docContent(nonce), { embedCertificates: [other] }),
    );
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(/no signer certificate found in PKCS7 signature/);
  });

  it('refuses a signer certificate whose public key does not parse with InvalidArgument', async () => {
    const { leaf } = world.apis.pki;
    const broken = { ...leaf, certDer: withUnparsablePublicKey(leaf.certDer, leaf.publicKey) };
    const attempt = exchangeWith((_r, nonce) => signedResponse(broken, docContent(nonce)));
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(/signer certificate has a public key that does not parse/);
  });

  it('refuses a document signed by a key outside the Azure chain', async () => {
    const rogue = await createSigningIdentity({
      commonName: 'metadata.azure.com',
      dnsNames: ['metadata.azure.com'],
    });
    const attempt = exchangeWith((_r, nonce) => signedResponse(rogue, docContent(nonce)));
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/no CA Issuers URL found/);
  });

  it('refuses a chain-valid signer whose SAN is outside allowed_metadata_domains', async () => {
    const leaf = await createSigningIdentity({
      commonName: 'evil',
      issuer: world.apis.pki.intermediate,
      dnsNames: ['metadata.azure.com.evil.example'],
      caIssuersUrl: `${world.apis.aiaUrl}/pkiops/certs/Fake%20Azure%20TLS%20Issuing%20CA.crt`,
    });
    await expect(exchangeWith((_r, nonce) => signedResponse(leaf, docContent(nonce)))).rejects.toThrow(
      /does not have any valid domain in SAN/,
    );
  });

  it('refuses a signer whose AIA points at a host that is not allowed', async () => {
    const a = await agent(world);
    const s = await server(world, { intermediate_issuer_hosts: ['www.microsoft.com'] });
    await expect(s.attest(await a.payload(), (n) => a.respondToChallenge!(n))).rejects.toThrow(
      /CA Issuers URL host "127.0.0.1:\d+" is not one of \[www.microsoft.com\]/,
    );
  });

  it('refuses an intermediate whose public key does not parse with PermissionDenied', async () => {
    const { intermediate } = world.apis.pki;
    // The fake serves whatever intermediate its PKI holds at the AIA URL: swap in one with a broken key.
    Object.assign(world.apis.pki, {
      intermediate: {
        ...intermediate,
        certDer: withUnparsablePublicKey(intermediate.certDer, intermediate.publicKey),
      },
    });
    const a = await agent(world);
    const attempt = (await server(world)).attest(await a.payload(), (n) => a.respondToChallenge!(n));
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/intermediate certificate at .* does not parse/);
  });

  it('refuses a chain to a root the server does not trust', async () => {
    const otherRoot = await createSigningIdentity({ commonName: 'Other Root', isCa: true });
    const path = join(world.dir, 'other.pem');
    writeFileSync(path, otherRoot.certPem);
    const a = await agent(world);
    const s = await server(world, { trust_bundle_path: path });
    await expect(s.attest(await a.payload(), (n) => a.respondToChallenge!(n))).rejects.toThrow(
      /unable to verify signing certificate against root CAs/,
    );
  });

  it('refuses an expired attested document', async () => {
    world.imds.clockOffsetSeconds = -7 * 3600;
    await expect(attestOnce(world)).rejects.toThrow(/attested document expired at/);
  });

  it('refuses a tenant domain that is not configured', async () => {
    const a = await agent(world, { tenant_domain: 'fabrikam.onmicrosoft.com' });
    const s = await server(world);
    await expect(s.attest(await a.payload(), (n) => a.respondToChallenge!(n))).rejects.toThrow(
      /tenant "fabrikam.onmicrosoft.com" is not authorized/,
    );
  });

  it('refuses a subscription outside restrict_to_subscriptions', async () => {
    await expect(
      attestOnce(world, {}, { restrict_to_subscriptions: ['11111111-1111-1111-1111-111111111111'] }),
    ).rejects.toThrow(new RegExp(`subscription "${SUB}" is not authorized`));
  });

  it('refuses a second attestation of the same VM (TOFU)', async () => {
    world.attested.add(agentId());
    await expect(attestOnce(world)).rejects.toThrow(/already been used to attest an agent/);
  });

  it.each([
    ['non-JSON', Buffer.from('nope'), /challenge response is not JSON/],
    ['oversized', Buffer.alloc(70 * 1024, 0x20), /more than the 65536 allowed/],
    [
      'document-less',
      Buffer.from('{"metadata":{"agentDomain":"x"}}'),
      /must have string encoding and signature/,
    ],
    [
      'other encoding',
      Buffer.from(
        JSON.stringify({ document: { encoding: 'jwt', signature: 'x' }, metadata: { agentDomain: DOMAIN } }),
      ),
      /encoding "jwt" is not pkcs7/,
    ],
    [
      'garbage PKCS#7',
      Buffer.from(
        JSON.stringify({
          document: { encoding: 'pkcs7', signature: 'AAAA' },
          metadata: { agentDomain: DOMAIN },
        }),
      ),
      /failed to parse PKCS7 signature/,
    ],
  ])('refuses a %s challenge response with InvalidArgument', async (_name, response, reason) => {
    const attempt = (await server(world)).attest(Buffer.from('non_empty_payload'), async () => response);
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(reason);
  });

  it('refuses an empty opening payload', async () => {
    await expect((await server(world)).attest(Buffer.alloc(0), async () => Buffer.alloc(0))).rejects.toThrow(
      /missing attestation payload/,
    );
  });

  it('authenticates to ARM with token_auth (client assertion file)', async () => {
    const tokenPath = join(world.dir, 'assertion.jwt');
    writeFileSync(tokenPath, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcGlyZSJ9.c2ln\n');
    world.apis.appAssertions.set(
      `${world.imds.vm.tenantId}/${APP.app_id}`,
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcGlyZSJ9.c2ln',
    );
    const result = await attestOnce(world, {}, { token_auth: { app_id: APP.app_id, token_path: tokenPath } });
    expect(result.selectors.map(formatSelector)).toContain('azure_imds:vm-name:web-vm-1');
  });
});

/**
 * `certDer` with the first byte of its subjectPublicKey changed (the RSAPublicKey SEQUENCE tag becomes a SET), so
 * the certificate still parses while its key does not (Node reads the key only when it is first asked for).
 */
function withUnparsablePublicKey(certDer: Buffer, publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const [, bits] = der.children(der.readSingle(spki, der.Tag.SEQUENCE, 'spki'), 'spki');
  const keyStart = certDer.indexOf(spki) + spki.length - bits.content.length + 1; // after the unused-bits octet
  const broken = Buffer.from(certDer);
  broken[keyStart] ^= 0x01;
  new X509Certificate(broken); // throws if the certificate itself no longer parses
  if (canReadKey(broken)) throw new Error('the changed key still parses');
  return broken;
}

function canReadKey(certDer: Buffer): boolean {
  try {
    return new X509Certificate(certDer).publicKey !== undefined;
  } catch {
    return false;
  }
}

/** Rebuilds a DER SignedData ContentInfo with its encapsulated content replaced (signatures left as they were). */
function replaceContent(p7: Buffer, edit: (content: Buffer) => Buffer): Buffer {
  const [type, wrapper] = der.children(der.readSingle(p7, der.Tag.SEQUENCE, 'p7'), 'p7');
  const parts = der.children(der.onlyChild(wrapper, 'p7'), 'signed data');
  const [contentType, explicitContent] = der.children(parts[2], 'encapsulated content');
  const content = der.readOctetString(der.onlyChild(explicitContent, 'content'), 'content');
  const encapsulated = der.seq(contentType.raw, der.explicit(0, der.octetString(edit(content))));
  const signedData = der.seq(...parts.map((p, i) => (i === 2 ? encapsulated : p.raw)));
  return der.seq(type.raw, der.explicit(0, signedData));
}
