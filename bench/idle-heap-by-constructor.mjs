// Bytes per connection by constructor, from two heap snapshots of the idle check
// (IDLE_HEAP_SNAPSHOT=file on bench/e2e/client.ts): one with 1 connection open
// and one with N+1, so that code and caches cancel out.
//   node bench/idle-heap-by-constructor.mjs base.heapsnapshot full.heapsnapshot N
import { readFileSync } from 'node:fs';

function countByConstructor(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = meta.node_types[typeAt];
  const { nodes, strings } = snapshot;
  const totals = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${strings[nodes[i + nameAt]]}` : `(${type})`;
    const key = type === 'closure' ? `closure ${name}` : name;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + sizeAt];
    totals.set(key, entry);
  }
  return totals;
}

const [baseFile, fullFile, countText] = process.argv.slice(2);
const n = Number(countText);
if (!baseFile || !fullFile || !(n > 0)) throw new Error('usage: node bench/idle-heap-by-constructor.mjs base.heapsnapshot full.heapsnapshot N');
const base = countByConstructor(baseFile);
const full = countByConstructor(fullFile);
const rows = [];
let total = 0;
for (const [key, { count, bytes }] of full) {
  const before = base.get(key) ?? { count: 0, bytes: 0 };
  const perConnection = (bytes - before.bytes) / n;
  total += perConnection;
  rows.push([key, (count - before.count) / n, perConnection]);
}
rows.sort((a, b) => b[2] - a[2]);
for (const [key, count, bytes] of rows) {
  if (Math.abs(bytes) >= 8) console.log(`${bytes.toFixed(0).padStart(6)} B  ${count.toFixed(2).padStart(6)} objects  ${key.slice(0, 70)}`);
}
console.log(`${total.toFixed(0).padStart(6)} B  total per connection`);
