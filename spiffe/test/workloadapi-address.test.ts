import { SPIFFE_ENDPOINT_SOCKET, resolveWorkloadApiTarget } from '../src';
import { WorkloadApiError } from '../src';

describe('resolveWorkloadApiTarget', () => {
  it.each([
    ['unix:///run/spire/agent.sock', 'unix:///run/spire/agent.sock'],
    ['unix:/run/spire/agent.sock', 'unix:///run/spire/agent.sock'],
    ['tcp://127.0.0.1:8000', 'ipv4:127.0.0.1:8000'],
    ['tcp://[::1]:8000', 'ipv6:[::1]:8000'],
  ])('accepts %s', (address, target) => {
    expect(resolveWorkloadApiTarget(address, {})).toBe(target);
  });

  it('falls back to SPIFFE_ENDPOINT_SOCKET', () => {
    expect(resolveWorkloadApiTarget(undefined, { [SPIFFE_ENDPOINT_SOCKET]: 'unix:/tmp/a.sock' })).toBe(
      'unix:///tmp/a.sock',
    );
  });

  it('explains a missing address', () => {
    expect(() => resolveWorkloadApiTarget(undefined, {})).toThrow(
      'workload endpoint socket address is not configured (set SPIFFE_ENDPOINT_SOCKET or pass "address")',
    );
  });

  it.each([
    ['unix://host/agent.sock', /must not have an authority/],
    ['unix:relative.sock', /absolute socket path/],
    ['unix:///tmp/a.sock?x=1', /query or fragment/],
    ['tcp://localhost:8000', /IP literal/],
    ['tcp://127.0.0.1', /must have a port/],
    ['tcp://127.0.0.1:8000/foo', /path, query or fragment/],
    ['tcp://user@127.0.0.1:8000', /user info/],
    ['http://127.0.0.1:8000', /scheme must be "unix" or "tcp"/],
    ['/tmp/agent.sock', /scheme must be "unix" or "tcp"/],
  ])('rejects %s', (address, message) => {
    let caught: unknown;
    try {
      resolveWorkloadApiTarget(address, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WorkloadApiError);
    expect((caught as Error).message).toMatch(message);
  });
});
