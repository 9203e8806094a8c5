import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { imdsRefused } from '../src';

const answer = (status: number, body = 'nope') => ({ status, body, headers: new Headers() });

test('IMDS 400, 403 and 404 are PermissionDenied; other statuses Unavailable', () => {
  for (const status of [400, 403, 404]) {
    expect(imdsRefused('azure_msi', 'token', answer(status))).toBeInstanceOf(PermissionDeniedError);
  }
  for (const status of [401, 429, 302]) {
    expect(imdsRefused('azure_msi', 'token', answer(status))).toBeInstanceOf(UnavailableError);
  }
});

test('the message names the plugin, what was asked, the status and the start of the body', () => {
  const err = imdsRefused('azure_imds', 'attested document', answer(403, 'x'.repeat(300)));
  expect(err.message).toBe(`azure_imds: IMDS refused the attested document (HTTP 403): ${'x'.repeat(200)}`);
  expect(err.code).toBe('ERR_AZURE_IMDS');
});
