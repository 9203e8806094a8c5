/**
 * Preloaded into the `lanyard-agent run` child of bench/agent-memory.js (`node --expose-gc -r <this file>`):
 * answers the benchmark over the IPC channel, so the agent itself needs no debug hooks.
 * - `{ cmd: 'measure' }` → forces full garbage collections, then replies `process.memoryUsage()`.
 * - `{ cmd: 'snapshot', file }` → writes a V8 heap snapshot to `file`, then replies `{ file }`.
 * Loaded by nothing else; does nothing without an IPC channel.
 */
'use strict';

const v8 = require('node:v8');
const { setImmediate } = require('node:timers');

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Three full collections with event-loop turns in between (weak callbacks and finalizers run in between). */
async function collect() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await nextTurn();
  }
}

async function answer(msg) {
  if (msg.cmd === 'measure') {
    await collect();
    return process.memoryUsage();
  }
  if (msg.cmd === 'snapshot') {
    await collect();
    return { file: v8.writeHeapSnapshot(msg.file) };
  }
  throw new Error(`unknown probe command ${JSON.stringify(msg.cmd)}`);
}

if (process.send && typeof globalThis.gc === 'function') {
  process.on('message', (msg) => {
    answer(msg).then(
      (result) => process.send({ id: msg.id, result }),
      (err) => process.send({ id: msg.id, error: err.message }),
    );
  });
  // The channel must not keep the agent alive once it wants to exit.
  process.channel.unref();
}
