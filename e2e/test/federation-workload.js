/*
 * A workload of the federation e2e, run as its own process under a workload uid (setpriv), using only
 * @lanyard/spiffe and SPIFFE_ENDPOINT_SOCKET. Prints one JSON line per event.
 *   node federation-workload.js serve <peerTd>          mTLS server accepting members of <peerTd>; prints
 *                                                       {event:"listening",port,roots} then {event:"update",roots}
 *                                                       on every X509Source update (roots = peer TD root SHA-256s)
 *   node federation-workload.js connect <peerTd> <port>  mTLS client authorizing members of <peerTd>; prints
 *                                                       {data} or {error} and exits
 */
'use strict';
const tls = require('node:tls');
const {
  TrustDomain,
  X509Source,
  authorizeMemberOf,
  createSpiffeTlsServer,
  peerSpiffeId,
  spiffeMtlsClientOptions,
} = require('@lanyard/spiffe');

const [mode, peer, port] = process.argv.slice(2);
const peerTd = TrustDomain.parse(peer);

function print(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function peerRoots(source) {
  const bundles = source.getX509Bundles();
  if (!bundles.has(peerTd)) return [];
  return bundles.get(peerTd).x509Authorities.map((cert) => cert.fingerprint256);
}

async function serve(source) {
  const server = createSpiffeTlsServer(
    source,
    {
      authorizer: authorizeMemberOf(peerTd),
      onError: (err) => print({ event: 'refused', error: err.message }),
    },
    (socket) => socket.end(`hello ${peerSpiffeId(socket)} from ${source.getX509Svid().id}`),
  );
  source.onUpdate(() => print({ event: 'update', roots: peerRoots(source) }));
  server.listen(0, '127.0.0.1', () =>
    print({ event: 'listening', port: server.address().port, roots: peerRoots(source) }),
  );
  process.on('SIGTERM', () => {
    server.close();
    source.close().then(() => process.exit(0));
  });
}

function connect(source) {
  const options = spiffeMtlsClientOptions(source, authorizeMemberOf(peerTd));
  const socket = tls.connect({ ...options, host: '127.0.0.1', port: Number(port) });
  let data = '';
  const finish = (result) => {
    socket.destroy();
    print(result);
    source.close().then(() => process.exit(result.error ? 1 : 0));
  };
  const timer = setTimeout(() => finish({ error: 'timed out' }), 15_000);
  socket.on('data', (chunk) => (data += chunk.toString()));
  socket.on('error', (err) => {
    clearTimeout(timer);
    finish({ error: err.message });
  });
  socket.on('close', () => {
    clearTimeout(timer);
    finish(data ? { data } : { error: 'closed without data' });
  });
}

X509Source.create({ timeoutMs: 30_000 }).then(
  (source) => (mode === 'serve' ? serve(source) : connect(source)),
  (err) => {
    print({ error: `x509 source: ${err.message}` });
    process.exit(1);
  },
);
