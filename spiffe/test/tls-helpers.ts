/** Loopback TLS plumbing shared by the TLS tests. */
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { TestCa, type TestX509Svid } from '@lanyard/test-support';
import { X509Bundle, X509Svid, TrustDomain, staticTlsSource, type TlsSource } from '../src';

/** Parses a TestCa SVID into the library type. */
export function toSvid(svid: TestX509Svid): X509Svid {
  return X509Svid.parse(svid.chainDer, svid.privateKeyDer);
}

/** X.509 bundles of the given CAs. */
export function bundlesOf(...cas: TestCa[]): X509Bundle[] {
  return cas.map((ca) => X509Bundle.parse(TrustDomain.parse(ca.trustDomain), ca.bundleDer()));
}

/** A fixed TLS source presenting `svid` and trusting `cas`. */
export function fixedSource(svid: TestX509Svid, ...cas: TestCa[]): TlsSource {
  return staticTlsSource(toSvid(svid), bundlesOf(...cas));
}

/** Starts listening on an ephemeral loopback port; resolves the port. */
export async function listen(server: tls.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes a server (and waits for it). */
export function closeServer(server: { close(cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Outcome of one client connection: what the server wrote back, or the error. */
export interface Exchange {
  data?: string;
  error?: Error;
  serverSerial?: string;
}

/** Connects, reads until the server ends, and reports the data or the error. Never hangs (5 s bound). */
export function exchange(port: number, options: tls.ConnectionOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = tls.connect({ ...options, host: '127.0.0.1', port });
    let data = '';
    let serverSerial: string | undefined;
    const timer = setTimeout(() => socket.destroy(new Error('exchange timed out')), 5000);
    socket.on('secureConnect', () => (serverSerial = socket.getPeerX509Certificate()?.serialNumber));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', (error) => {
      clearTimeout(timer);
      resolve({ error });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(serverSerial && data ? { data, serverSerial } : { error: new Error(`closed after "${data}"`) });
    });
  });
}
