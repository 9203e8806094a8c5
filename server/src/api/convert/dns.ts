import { InvalidArgumentError } from '@lanyard/base';

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Validates a DNS SAN (optionally with a leading `*.` wildcard label): labels of 1–63 letters, digits and
 * inner dashes, 253 characters at most. Throws InvalidArgument `<field>: invalid DNS name "<n>"`.
 */
export function validateDnsName(name: string, field: string): void {
  const body = name.startsWith('*.') ? name.slice(2) : name;
  const ok = name.length > 0 && name.length <= 253 && body.split('.').every((label) => LABEL.test(label));
  if (!ok) throw new InvalidArgumentError(`${field}: invalid DNS name "${name}"`, 'ERR_DNS_NAME');
}
