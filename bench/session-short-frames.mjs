// CPU time of ClientSession.receive() per short message, no sockets: 400,000
// unfragmented server frames of --size bytes (text or binary) in 64 KiB chunks,
// fed to a session whose handler only sums the lengths. Each round feeds a
// fresh copy of the chunks (process.cpuUsage() around the feeding); with
// --base DIST, rounds alternate between this build (dist/) and another build's
// dist/ directory, and the ratio of the medians is printed (below 1: this
// build costs less), with the ratio of the fastest rounds, the least disturbed
// on a busy machine. Needs `npm run build`.
//
//   node bench/session-short-frames.mjs [--size 20] [--text] [--rounds 9] [--base /path/to/other/dist]
import { fileURLToPath } from 'node:url';

const options = { size: 20, text: false, rounds: 9, base: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const name = argv[i].replace(/^--/, '');
  if (name === 'text') options.text = true;
  else if (name === 'size' || name === 'rounds') options[name] = Number(argv[++i]);
  else if (name === 'base') options.base = argv[++i];
  else throw new Error(`unknown option ${argv[i]}: expected --size N, --text, --rounds N, --base DIST`);
}
if (!(options.size >= 0 && options.size <= 125)) throw new Error(`expected --size 0-125 (one 2-byte header), got ${options.size}`);

const MESSAGES = 400_000;
const builds = { this: fileURLToPath(new URL('../dist', import.meta.url)) };
if (options.base !== null) builds.base = options.base;
const sessions = {};
for (const [name, dir] of Object.entries(builds)) sessions[name] = (await import(`${dir}/protocol/session.js`)).ClientSession;

const frame = Buffer.alloc(2 + options.size, 0x61);
frame[0] = options.text ? 0x81 : 0x82;
frame[1] = options.size;
const stream = Buffer.concat(Array.from({ length: MESSAGES }, () => frame));
const chunks = [];
for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));

let received = 0;
const handler = {
  onText: (text) => void (received += text.length),
  onBinary: (data) => void (received += data.length),
  onFragment() {},
  onFrame() {},
  onPing() {},
  onPong() {},
  onClose() {},
  onWrite() {},
  onFailure: (error) => {
    throw error;
  },
};

const perMessage = Object.fromEntries(Object.keys(builds).map((name) => [name, []]));
for (let round = 0; round < options.rounds; round++) {
  const order = Object.keys(builds);
  if (round % 2 === 1) order.reverse();
  for (const name of order) {
    const copies = chunks.map((chunk) => Buffer.from(chunk));
    const session = new sessions[name](handler);
    received = 0;
    const before = process.cpuUsage();
    for (const chunk of copies) session.receive(chunk);
    const used = process.cpuUsage(before);
    if (received !== MESSAGES * options.size) throw new Error(`expected ${MESSAGES * options.size} payload bytes delivered, got ${received}`);
    perMessage[name].push(((used.user + used.system) * 1000) / MESSAGES);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kind = `${options.size} B ${options.text ? 'text' : 'binary'}`;
for (const [name, values] of Object.entries(perMessage)) {
  console.log(`${name.padEnd(4)} ${kind}: ${median(values).toFixed(0)} ns/message median, ${Math.min(...values).toFixed(0)} fastest (${values.map((v) => v.toFixed(0)).join(' ')})`);
}
if (options.base !== null) {
  const medians = median(perMessage.this) / median(perMessage.base);
  const fastest = Math.min(...perMessage.this) / Math.min(...perMessage.base);
  console.log(`this / base: ${medians.toFixed(2)} (medians), ${fastest.toFixed(2)} (fastest rounds)`);
}
