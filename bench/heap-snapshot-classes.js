/**
 * Breaks a V8 heap snapshot (`.heapsnapshot` JSON) down by constructor: objects count and summed self size per
 * class, largest first. Objects and native objects group under their constructor name; strings, closures,
 * arrays, code and the other node types under `(type)`. Used by bench/agent-memory.js; measures nothing alone.
 */
'use strict';

/**
 * @param {string} json the snapshot file's text
 * @returns {{ name: string, count: number, selfSize: number }[]} by self size, largest first
 */
function heapClassBreakdown(json) {
  const snapshot = JSON.parse(json);
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const { nodes, strings } = snapshot;
  const byClass = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'native' ? strings[nodes[i + nameAt]] : `(${type})`;
    let entry = byClass.get(name);
    if (!entry) {
      entry = { name, count: 0, selfSize: 0 };
      byClass.set(name, entry);
    }
    entry.count++;
    entry.selfSize += nodes[i + sizeAt];
  }
  return [...byClass.values()].sort((a, b) => b.selfSize - a.selfSize);
}

module.exports = { heapClassBreakdown };
