import { PassThrough } from 'node:stream';
import { goJsonEncode, printProtoJson, protoToJson } from '../../src/cli/commands/support/protojson';

function printed(typeName: string, messages: unknown[]): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  printProtoJson(out, typeName, messages);
  return text;
}

describe('SPIRE-style protojson printer', () => {
  it('emits unpopulated scalars, int64 as strings, and drops unset messages', () => {
    const doc = protoToJson('spire.api.types.Entry', { id: 'x', x509_svid_ttl: 5, revision_number: 3 });
    expect(doc.revision_number).toBe('3');
    expect(doc.created_at).toBe('0');
    expect(doc.x509_svid_ttl).toBe(5);
    expect(doc.selectors).toEqual([]);
    expect(doc.admin).toBe(false);
    expect(doc.hint).toBe('');
    expect(doc.spiffe_id).toBeNull();
    const text = printed('spire.api.types.Entry', [{ id: 'x' }]);
    expect(text).not.toContain('spiffe_id');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('sorts keys at every level, encodes bytes as base64 and resolves nested and enum types', () => {
    const text = printed('spire.api.server.entry.v1.BatchCreateEntryResponse', [
      {
        results: [
          { status: { message: 'OK', code: 0 }, entry: { spiffe_id: { trust_domain: 'td', path: '/p' } } },
        ],
      },
    ]);
    expect(text.indexOf('"entry"')).toBeLessThan(text.indexOf('"status"'));
    expect(text.indexOf('"additional_attributes"')).toBeLessThan(text.indexOf('"admin"'));
    expect(text).toContain('"spiffe_id":{"path":"/p","trust_domain":"td"}');
    expect(text).toContain('"status":{"code":0,"message":"OK"}');
    const bundle = protoToJson('spire.api.types.Bundle', {
      x509_authorities: [{ asn1: Buffer.from([1, 2, 3]) }],
    });
    expect(bundle.x509_authorities).toEqual([{ asn1: 'AQID', tainted: false }]);
    const req = protoToJson('spire.api.server.bundle.v1.BatchDeleteFederatedBundleRequest', { mode: 2 });
    expect(req.mode).toBe('DISSOCIATE');
    expect(protoToJson('spire.api.server.bundle.v1.BatchDeleteFederatedBundleRequest', {}).mode).toBe(
      'RESTRICT',
    );
  });

  it('prints google.protobuf wrappers as bare values', () => {
    const filter = protoToJson('spire.api.server.entry.v1.ListEntriesRequest.Filter', {
      by_downstream: { value: true },
      by_hint: { value: 'h' },
    });
    expect(filter.by_downstream).toBe(true);
    expect(filter.by_hint).toBe('h');
  });

  it('prints several messages as an array and nothing for none; escapes HTML like Go', () => {
    expect(printed('spire.api.server.bundle.v1.CountBundlesResponse', [{ count: 1 }, { count: 2 }])).toBe(
      '[{"count":1},{"count":2}]\n',
    );
    expect(printed('spire.api.server.bundle.v1.CountBundlesResponse', [])).toBe('');
    expect(goJsonEncode({ a: '<b>&' })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
    expect(() => protoToJson('no.such.Type', {})).toThrow('unknown message type');
  });
});
