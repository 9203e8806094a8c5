#!/usr/bin/env node
/**
 * Shared helpers for the benchmarks that run a real `lanyard-agent run` next to `lanyard-server run` (see
 * `server-harness.js`): the agent's config and child process, and a summary of a V8 CPU profile written by
 * `--cpu-prof`. Runs against the built `dist/`.
 *
 * Run directly it measures nothing (bench/run.js skips it).
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');
const { AGENT_BIN, TRUST_DOMAIN, root } = require('./server-harness');

/**
 * HCL for a `lanyard-agent run` in `dir` (join token, in-memory keys, `unix` workload attestor, quiet logging);
 * `extraAgentHcl` goes inside `agent {}`. Returns the config, its workload socket and trust bundle paths.
 */
function agentConfig({ dir, serverPort, bundlePem, extraAgentHcl = '' }) {
  const socketPath = path.join(dir, 'public', 'api.sock');
  const bundlePath = path.join(dir, 'bundle.pem');
  const configPath = path.join(dir, 'agent.conf');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(bundlePath, bundlePem);
  fs.writeFileSync(
    configPath,
    `agent {
    data_dir = "${path.join(dir, 'data')}"
    log_level = "WARN"
    server_address = "127.0.0.1"
    server_port = ${serverPort}
    socket_path = "${socketPath}"
    trust_bundle_path = "${bundlePath}"
    trust_domain = "${TRUST_DOMAIN}"
${extraAgentHcl}
}
plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    KeyManager "memory" {
        plugin_data {}
    }
    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`,
  );
  return { socketPath, configPath };
}

/** A `lanyard-agent run` child process attesting with a join token (see {@link agentConfig}). */
class AgentProcess {
  constructor(configPath, socketPath) {
    this.configPath = configPath;
    this.socketPath = socketPath;
    this.log = '';
    this.child = undefined;
  }

  /** Writes the config into `dir` (created); nothing is started yet. */
  static create(dir, serverPort, bundlePem, extraAgentHcl = '') {
    const { configPath, socketPath } = agentConfig({ dir, serverPort, bundlePem, extraAgentHcl });
    return new AgentProcess(configPath, socketPath);
  }

  /** Spawns the agent with `token` (extra node flags, e.g. `--cpu-prof`, go before the script). */
  spawn(token, nodeFlags = []) {
    this.log = '';
    this.child = spawn(
      process.execPath,
      [...nodeFlags, AGENT_BIN, 'run', '-config', this.configPath, '-joinToken', token],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk) => {
      if (this.log.length < 100_000) this.log += chunk.toString();
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    return this.child;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the agent exits cleanly, so `--cpu-prof` profiles get written), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000) {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** "file.js" of a profile node's script URL, or the node's own name for V8's pseudo-frames. */
function profileLocation(frame) {
  if (!frame.url) return /^\(.*\)$/.test(frame.functionName) ? frame.functionName : '(native binding)';
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  return path.relative(root, url);
}

/**
 * Self-time of a V8 `.cpuprofile` (as written by `--cpu-prof`) over its busy samples (all but `(idle)`),
 * optionally only the samples between `fromUs` and `toUs` (monotonic clock in µs, as
 * `process.hrtime.bigint() / 1000n` reads it). `modules`: samples per package or file, all of them, most first;
 * `functions`: the top `limit` as "name (location:line)"; `stacks`: for each function name in `onStack`, the
 * busy samples with it anywhere on the stack (its inclusive time).
 */
function summarizeCpuProfile(file, { fromUs = -Infinity, toUs = Infinity, limit = 8, onStack = [] } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const hits = new Map(profile.nodes.map((n) => [n.id, 0]));
  let t = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) return;
    hits.set(id, hits.get(id) + 1);
    total++;
  });
  const functions = new Map();
  const modules = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id);
    const frame = node.callFrame;
    if (n === 0 || frame.functionName === '(idle)') continue;
    busy += n;
    const where = profileLocation(frame);
    const fn = frame.url
      ? `${frame.functionName || '(anonymous)'} (${where}:${frame.lineNumber + 1})`
      : `${frame.functionName}${where === '(native binding)' ? ' (native binding)' : ''}`;
    functions.set(fn, (functions.get(fn) || 0) + n);
    modules.set(where, (modules.get(where) || 0) + n);
  }
  const stacks = onStack.map((name) => ({ name, samples: samplesUnder(profile, hits, name) }));
  const sorted = (map) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, samples]) => ({ name, samples }));
  return { total, busy, functions: sorted(functions).slice(0, limit), modules: sorted(modules), stacks };
}

/** Samples (of `hits`, by node id) with a function called `name` anywhere on their stack. */
function samplesUnder(profile, hits, name) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let count = 0;
  const walk = (id, inside) => {
    const node = byId.get(id);
    const here = inside || node.callFrame.functionName === name;
    if (here) count += hits.get(id);
    for (const child of node.children || []) walk(child, here);
  };
  walk(profile.nodes[0].id, false);
  return count;
}

module.exports = { AgentProcess, agentConfig, summarizeCpuProfile };

if (require.main === module) {
  console.log('agent-harness.js: shared helpers for the agent benchmarks; nothing to measure on its own');
}
