// Whether a reader that awaits its messages one by one keeps the previous message alive while it
// waits for the next, with no library involved: an async iterator hands out one object per
// setImmediate, and each time it is asked for the next one it forces a full collection and
// prints which of the objects handed out so far are still alive (1) or collected (0). The
// iterator keeps no reference to what it handed out.
//
//   node --expose-gc bench/held-across-await.mjs forawait|let-await|let-await-drop
//
// forawait: `for await (const message of source)`; let-await: `let message = await next()` in a
// loop; let-await-drop: the same with the variables set to null once the message is used.
const [mode] = process.argv.slice(2);
const COUNT = 4;
const handedOut = [];

function report(label) {
  globalThis.gc();
  const alive = handedOut.map((ref) => (ref.deref() === undefined ? '0' : '1')).join('');
  console.log(`${label}: ${alive || '(none yet)'}`);
}

const source = {
  [Symbol.asyncIterator]() {
    return {
      next() {
        return new Promise((resolve) =>
          setImmediate(() => {
            report(`asked for message ${handedOut.length + 1}, alive so far`);
            if (handedOut.length === COUNT) return resolve({ value: undefined, done: true });
            const message = { text: 'x'.repeat(1024) };
            handedOut.push(new WeakRef(message));
            resolve({ value: message, done: false });
          }),
        );
      },
    };
  },
};

let used = 0;
if (mode === 'forawait') {
  for await (const message of source) used += message.text.length;
} else if (mode === 'let-await' || mode === 'let-await-drop') {
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let result = await iterator.next();
    if (result.done) break;
    let message = result.value;
    used += message.text.length;
    if (mode === 'let-await-drop') message = result = null;
  }
} else {
  throw new Error(`expected forawait, let-await or let-await-drop, got ${mode}`);
}
console.log(`${mode}: ${used} characters read`);
