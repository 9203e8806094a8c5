'use strict';
/**
 * PID-reuse attack on the Workload API, with real processes: this process (the "launcher") connects to the
 * agent's socket, so SO_PEERCRED names its pid, hands the connected socket to a child and (mode `exit`) exits;
 * the child waits until the launcher's /proc entry is gone, then sends FetchX509SVID over the inherited
 * socket with a hand-written gRPC request. The agent must not serve an identity for a pid whose process is no
 * longer the one that connected. Mode `stay` keeps the launcher alive (the positive control).
 *
 * Usage: node socket-handoff.js <socket path> <exit|stay>. Prints one JSON line: {"status": "<grpc-status>"}
 * or {"status": "message"} when an X509-SVID response arrived.
 */
const { spawn } = require('node:child_process');
const net = require('node:net');

const CHILD = `
const fs = require('node:fs');
const http2 = require('node:http2');
const net = require('node:net');
const [launcherPid, mode] = process.argv.slice(1);
const out = (value) => { process.stdout.write(JSON.stringify(value) + '\\n'); process.exit(0); };
async function main() {
  const deadline = Date.now() + 30000;
  while (mode === 'exit' && fs.existsSync('/proc/' + launcherPid)) {
    if (Date.now() > deadline) return out({ status: 'launcher did not exit' });
    await new Promise((r) => setTimeout(r, 20));
  }
  const socket = new net.Socket({ fd: 3, readable: true, writable: true });
  const client = http2.connect('http://localhost', { createConnection: () => socket });
  client.on('error', (err) => out({ status: 'connection error', message: String(err) }));
  const req = client.request({
    ':method': 'POST',
    ':path': '/SpiffeWorkloadAPI/FetchX509SVID',
    'content-type': 'application/grpc',
    te: 'trailers',
    'workload.spiffe.io': 'true',
  });
  let received = 0;
  req.on('data', (chunk) => { received += chunk.length; if (received > 5) out({ status: 'message' }); });
  req.on('response', (h) => { if (h['grpc-status'] !== undefined) out({ status: h['grpc-status'], message: h['grpc-message'] }); });
  req.on('trailers', (t) => out({ status: t['grpc-status'], message: t['grpc-message'] }));
  req.on('error', (err) => out({ status: 'stream error', message: String(err) }));
  req.end(Buffer.alloc(5));
}
main();
`;

const [socketPath, mode] = process.argv.slice(2);
const socket = net.connect(socketPath, () => {
  const child = spawn(process.execPath, ['-e', CHILD, String(process.pid), mode], {
    stdio: ['ignore', 'inherit', 'inherit', socket],
  });
  if (mode === 'exit') {
    socket.destroy();
    process.exit(0);
  }
  child.on('exit', (code) => process.exit(code ?? 1));
});
socket.on('error', (err) => {
  process.stdout.write(JSON.stringify({ status: 'connect error', message: String(err) }) + '\n');
  process.exit(1);
});
