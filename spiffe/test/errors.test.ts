import { LanyardError, StatusCode } from '@lanyard/base';
import {
  AuthorizationError,
  BundleError,
  JwtSvidError,
  SpiffeError,
  SpiffeId,
  SpiffeIdError,
  WorkloadApiError,
  X509SvidError,
} from '../src';

describe('SPIFFE library errors', () => {
  it.each<[LanyardError, string, number]>([
    [new JwtSvidError('ERR_JWT_SVID_MALFORMED', 'm'), 'JwtSvidError', StatusCode.INVALID_ARGUMENT],
    [new JwtSvidError('ERR_JWT_SVID_ALG', 'm'), 'JwtSvidError', StatusCode.INVALID_ARGUMENT],
    [new JwtSvidError('ERR_JWT_SVID_EXPIRED', 'm'), 'JwtSvidError', StatusCode.UNAUTHENTICATED],
    [new JwtSvidError('ERR_JWT_SVID_UNTRUSTED', 'm'), 'JwtSvidError', StatusCode.UNAUTHENTICATED],
    [new X509SvidError('ERR_X509_SVID_INVALID', 'm'), 'X509SvidError', StatusCode.INVALID_ARGUMENT],
    [new X509SvidError('ERR_X509_SVID_UNTRUSTED', 'm'), 'X509SvidError', StatusCode.UNAUTHENTICATED],
    [new BundleError('ERR_BUNDLE_NOT_FOUND', 'm'), 'BundleError', StatusCode.NOT_FOUND],
    [new BundleError('ERR_JWKS_MALFORMED', 'm'), 'BundleError', StatusCode.INVALID_ARGUMENT],
    [new WorkloadApiError('ERR_SOURCE_CLOSED', 'm'), 'WorkloadApiError', StatusCode.FAILED_PRECONDITION],
    [new WorkloadApiError('ERR_SOURCE_TIMEOUT', 'm'), 'WorkloadApiError', StatusCode.UNAVAILABLE],
    [new WorkloadApiError('ERR_WORKLOAD_ABORTED', 'm'), 'WorkloadApiError', StatusCode.CANCELLED],
    [
      new AuthorizationError('ERR_PEER_UNAUTHORIZED', 'm'),
      'AuthorizationError',
      StatusCode.PERMISSION_DENIED,
    ],
    [
      new AuthorizationError('ERR_PEER_NO_CERTIFICATE', 'm'),
      'AuthorizationError',
      StatusCode.UNAUTHENTICATED,
    ],
  ])('%s is a %s mapping to gRPC status %i', (err, name, grpcStatus) => {
    expect(err).toBeInstanceOf(SpiffeError);
    expect(err).toBeInstanceOf(LanyardError);
    expect(err.name).toBe(name);
    expect(err.grpcStatus).toBe(grpcStatus);
  });

  it('keeps the rule of a SpiffeIdError and derives its code and status from it', () => {
    let caught: unknown;
    try {
      SpiffeId.parse('spiffe://example.org/a/../b');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpiffeIdError);
    const err = caught as SpiffeIdError;
    expect(err.rule).toBe('dot-segment');
    expect(err.code).toBe('ERR_SPIFFE_ID_DOT_SEGMENT');
    expect(err.grpcStatus).toBe(StatusCode.INVALID_ARGUMENT);
  });

  it('sets cause only when one is given', () => {
    expect('cause' in new JwtSvidError('ERR_JWT_SVID_UNTRUSTED', 'm')).toBe(false);
    const cause = new Error('inner');
    expect(new JwtSvidError('ERR_JWT_SVID_UNTRUSTED', 'm', { cause }).cause).toBe(cause);
  });
});
