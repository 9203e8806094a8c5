/**
 * Preloaded into `lanyard-server run` children of bench/many-agents.js (`node -r <this file>`): records a CPU
 * profile of the main thread between two messages on the IPC channel, so a window can be profiled even when the
 * process is later killed with SIGKILL (which `--cpu-prof` survives with no file).
 * - `{ cmd: 'profile-start', intervalUs }` → starts V8's sampling profiler (inspector `Profiler` domain).
 * - `{ cmd: 'profile-stop', file }` → stops it, writes the `.cpuprofile` JSON to `file`, replies `{ file }`.
 * Loaded by nothing else; does nothing without an IPC channel.
 */
'use strict';

const fs = require('node:fs');
const inspector = require('node:inspector');

let session;

/** Posts `method` on the inspector session; resolves with its result. */
function post(method, params = {}) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function answer(msg) {
  if (msg.cmd === 'profile-start') {
    if (session !== undefined) throw new Error('a profile is already being recorded');
    session = new inspector.Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: msg.intervalUs });
    await post('Profiler.start');
    return {};
  }
  if (msg.cmd === 'profile-stop') {
    if (session === undefined) throw new Error('no profile is being recorded');
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    session = undefined;
    fs.writeFileSync(msg.file, JSON.stringify(profile));
    return { file: msg.file };
  }
  throw new Error(`unknown probe command ${JSON.stringify(msg.cmd)}`);
}

if (process.send) {
  process.on('message', (msg) => {
    answer(msg).then(
      (result) => process.send({ id: msg.id, result }),
      (err) => process.send({ id: msg.id, error: err.message }),
    );
  });
  // The channel must not keep the server alive once it wants to exit.
  process.channel.unref();
}
