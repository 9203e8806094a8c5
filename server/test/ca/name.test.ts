import { der } from '@lanyard/base';
import { encodeName } from '../../src/ca/der/name';

describe('CA name encoding', () => {
  it('encodes C, O, OU, CN and serialNumber each in its own RDN, in Go pkix.Name order', () => {
    const name = encodeName({
      country: ['US'],
      organization: ['SPIRE'],
      organizationalUnit: ['Ünit'],
      commonName: 'web.example.org',
      serialNumber: '12345',
    });
    const rdns = der.children(der.readSingle(name, der.Tag.SEQUENCE, 'name'), 'name');
    expect(rdns.every((r) => r.tag === der.Tag.SET)).toBe(true);
    const attributes = rdns.map((rdn) => der.children(der.onlyChild(rdn, 'rdn'), 'attribute'));
    expect(attributes.map(([type]) => der.readOid(type, 'type'))).toEqual([
      der.Oid.countryName,
      der.Oid.organizationName,
      der.Oid.organizationalUnitName,
      der.Oid.commonName,
      der.Oid.serialNumber,
    ]);
    expect(attributes.map(([, value]) => value.tag)).toEqual([0x13, 0x13, 0x0c, 0x13, 0x13]);
    expect(attributes.map(([, value]) => der.readString(value, 'value'))).toEqual([
      'US',
      'SPIRE',
      'Ünit',
      'web.example.org',
      '12345',
    ]);
  });
});
