// Bytes per connection by constructor, from two heap snapshots of the idle check
// (IDLE_HEAP_SNAPSHOT=file on bench/e2e/client.ts): one with 1 connection open
// and one with N+1, so that code and caches cancel out; then the same bytes summed
// by kind (the socket, the library's objects — rfc6455's or ws's —, closures,
// plain objects and arrays, the rest).
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

const SOCKET = new Set(['Socket', 'WritableState', 'ReadableState', 'TCP', 'Node / TCPSocketWrap', '(synthetic)', 'Node / CleanupQueue']);
const LIBRARY = new Set([
  // rfc6455
  'WebSocket', 'Link', 'Inbox', 'UnitQueue', 'ReceiveQueue', 'Writer', 'Receiver', 'Closing', 'EndRecord',
  'ClientSession', 'MessageAssembler', 'SessionInput', 'HandlerCalls', 'FrameParser',
  // ws (its WebSocket is counted above)
  'Sender',
]);
const CLOSURES = new Set(['system / Context']);
const PLAIN = new Set(['Object', 'Array', '(array)']);
const kinds = new Map([
  ['net.Socket, its stream states, TCP handle and native wrapper', 0],
  ["the library's objects", 0],
  ['closures, bound functions and their contexts', 0],
  ['plain objects and arrays', 0],
  ['compiled code, strings, hidden classes, other', 0],
]);
const names = [...kinds.keys()];
for (const [key, , bytes] of rows) {
  const kind = SOCKET.has(key) ? 0 : LIBRARY.has(key) ? 1 : key.startsWith('closure') || CLOSURES.has(key) ? 2 : PLAIN.has(key) ? 3 : 4;
  kinds.set(names[kind], kinds.get(names[kind]) + bytes);
}
console.log('');
for (const [name, bytes] of kinds) console.log(`${bytes.toFixed(0).padStart(6)} B  ${name}`);
