/**
 * Health probe for the reconnect-storm suite, run as its own process so that the storm's client work in the test
 * process cannot delay it: calls grpc.health.v1.Health/Check on the server's admin socket every 500 ms (60 s
 * deadline each) and prints one JSON line per probe, `{"ok":true,"ms":12}` or `{"ok":false,"error":"…"}`, until
 * stdin closes. Usage: node health-probe.js <admin socket path>
 */
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { loadHealthApi } = require(path.join(__dirname, '..', '..', 'proto', 'dist'));

const socketPath = process.argv[2];
const Health = loadHealthApi().grpc.health.v1.Health;
const client = new Health(`unix:${socketPath}`, grpc.credentials.createInsecure());
let running = true;
process.stdin.on('close', () => (running = false));
process.stdin.resume();

function probe() {
  const started = Date.now();
  return new Promise((resolve) => {
    client.Check({ service: '' }, { deadline: new Date(started + 60_000) }, (err) => {
      const line = err ? { ok: false, error: err.message } : { ok: true, ms: Date.now() - started };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      resolve();
    });
  });
}

(async () => {
  while (running) {
    await probe();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  client.close();
})();
