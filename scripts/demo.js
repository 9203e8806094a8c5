#!/usr/bin/env node
// `make run`: a local Lanyard server and agent on embedded SQLite in a temp directory.
// Generates a join token, starts the agent with it, registers an entry for the current user's uid,
// fetches an X.509-SVID through the Workload API and prints where it went, then keeps both running
// until Ctrl-C stops them cleanly.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ServerUnderTest, AgentUnderTest, waitFor } = require('../e2e/dist');

const TRUST_DOMAIN = 'example.org';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-demo-'));
  const uid = process.getuid();
  console.log(`Lanyard demo in ${dir}`);

  const server = await ServerUnderTest.start({ dir: path.join(dir, 'server'), trustDomain: TRUST_DOMAIN });
  console.log(`server   : listening on 127.0.0.1:${server.port}, admin socket ${server.socketPath}`);

  const nodeId = `spiffe://${TRUST_DOMAIN}/demo/node`;
  const token = await server.joinToken(nodeId);
  const bundlePath = await server.writeBundle();
  console.log(`token    : join token generated for node alias ${nodeId}`);

  const agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: bundlePath,
    trustDomain: TRUST_DOMAIN,
    joinToken: token,
  });
  console.log(`agent    : attested, Workload API at ${agent.socketPath}`);

  const workloadId = `spiffe://${TRUST_DOMAIN}/demo/uid-${uid}`;
  await server.cliOk([
    'entry',
    'create',
    '-parentID',
    nodeId,
    '-spiffeID',
    workloadId,
    '-selector',
    `unix:uid:${uid}`,
  ]);
  console.log(`entry    : ${workloadId} for selector unix:uid:${uid}`);

  const outDir = path.join(dir, 'svid');
  fs.mkdirSync(outDir, { recursive: true });
  const fetched = await waitFor(
    'the SVID to reach the agent',
    async () => {
      const result = await agent.cli(['api', 'fetch', 'x509', '-write', outDir]);
      return result.code === 0 ? result.stdout : undefined;
    },
    60_000,
  );
  const svid = new (require('node:crypto').X509Certificate)(fs.readFileSync(path.join(outDir, 'svid.0.pem')));
  console.log('');
  console.log(fetched.trim());
  console.log('');
  console.log(`SPIFFE ID: ${svid.subjectAltName}`);
  console.log(`Expires  : ${svid.validTo}`);
  console.log(`PEM files: ${outDir}/svid.0.pem, svid.0.key, bundle.0.pem`);
  console.log('');
  console.log(`export SPIFFE_ENDPOINT_SOCKET=${agent.endpoint}`);
  console.log('Server and agent keep running; press Ctrl-C to stop both.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping agent and server...');
    await agent.stop();
    await server.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((err) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
