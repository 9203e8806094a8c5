/*
 * A tiny Workload API client run as a separate process (possibly under another uid via setpriv).
 * Usage: node workload-client-script.js <socketPath> x509|jwt [audience]
 * Prints one JSON line {code, details, spiffeIds} and exits right after the first answer, which drops the
 * connection without a clean stream cancel.
 */
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { setTimeout } = require('node:timers');

const protoDir = path.join(__dirname, '..', '..', 'proto', 'protos');
const def = protoLoader.loadSync(['spiffe/workload/workload.proto'], {
  keepCase: true,
  includeDirs: [protoDir],
});
const Api = grpc.loadPackageDefinition(def).SpiffeWorkloadAPI;
const [socketPath, mode, audience] = process.argv.slice(2);
const client = new Api(`unix://${socketPath}`, grpc.credentials.createInsecure());
const md = new grpc.Metadata();
md.set('workload.spiffe.io', 'true');

function done(result) {
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

if (mode === 'jwt') {
  client.FetchJWTSVID({ audience: [audience] }, md, (err, res) => {
    if (err) done({ code: err.code, details: err.details });
    else done({ code: 0, spiffeIds: res.svids.map((s) => s.spiffe_id) });
  });
} else {
  const stream = client.FetchX509SVID({}, md);
  stream.on('data', (msg) => done({ code: 0, spiffeIds: msg.svids.map((s) => s.spiffe_id) }));
  stream.on('error', (err) => done({ code: err.code, details: err.details }));
}
setTimeout(() => done({ code: -1, details: 'timeout' }), 10000).unref();
