/**
 * The differential scenarios: each opens a connection with the WebSocket
 * constructor it is given (Node's global one or rfc6455/web), against the
 * servers of servers.ts, and records the events and values it sees as plain
 * JSON, so that runs under different Node versions and implementations can be
 * compared field by field.
 */

/** The WHATWG interface as both implementations have it (typed loosely: the global one's types differ). */
export interface WebSocketLike extends EventTarget {
  readonly readyState: number;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
  binaryType: string;
  onopen: ((event: Event) => unknown) | null;
  onmessage: ((event: MessageEvent) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  onclose: ((event: Event & { code: number; reason: string; wasClean: boolean }) => unknown) | null;
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
}

export interface WebSocketClass {
  new (url: string, protocols?: string | string[]): WebSocketLike;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

/** Where the servers listen. */
export interface ServerPorts {
  /** The `ws` server (paths /echo, /binary, /close, /forbidden, /stall). */
  port: number;
  /** A port nothing listens on. */
  deadPort: number;
}

export type Log = Array<Record<string, unknown>>;

// A bound on a hang, not on speed: scenario children share a loaded machine.
const SCENARIO_TIMEOUT_MS = 15_000;
/**
 * After an error event, the close event is the next step of the same algorithm (§ fail the
 * WebSocket connection), so a close still missing this long after the error is not coming
 * (Node's global WebSocket on Node 22 fires none there).
 */
const CLOSE_AFTER_ERROR_MS = 3_000;

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof DOMException) return { threw: error.name, code: error.code };
  return { threw: error instanceof Error ? error.constructor.name : typeof error };
}

function attempt(action: () => unknown): Record<string, unknown> {
  try {
    action();
    return { threw: null };
  } catch (error) {
    return describeError(error);
  }
}

/**
 * Record the events of one connection until its close event: open (with the
 * attributes at that moment), messages (described by `describe`), error, close.
 */
function record(
  ws: WebSocketLike,
  log: Log,
  hooks: { onOpen?: () => void; onMessage?: (event: MessageEvent) => void } = {},
): Promise<Log> {
  const pending: Array<Promise<void>> = [];
  return new Promise<Log>((resolve, reject) => {
    let timer = setTimeout(() => reject(new Error(`scenario timed out after ${SCENARIO_TIMEOUT_MS} ms: ${JSON.stringify(log)}`)), SCENARIO_TIMEOUT_MS);
    ws.onopen = () => {
      log.push({ event: 'open', readyState: ws.readyState, protocol: ws.protocol, extensions: ws.extensions });
      hooks.onOpen?.();
    };
    ws.onmessage = (event) => {
      const entry: Record<string, unknown> = { event: 'message', origin: event.origin };
      log.push(entry);
      const data: unknown = event.data;
      if (typeof data === 'string') {
        entry.kind = 'string';
        entry.data = data;
      } else if (data instanceof Blob) {
        entry.kind = 'Blob';
        pending.push(data.arrayBuffer().then((bytes) => void (entry.data = [...new Uint8Array(bytes)])));
      } else if (data instanceof ArrayBuffer) {
        entry.kind = 'ArrayBuffer';
        entry.data = [...new Uint8Array(data)];
      } else {
        entry.kind = Object.prototype.toString.call(data);
      }
      hooks.onMessage?.(event);
    };
    ws.onerror = (event) => {
      log.push({ event: 'error', readyState: ws.readyState, type: event.type });
      clearTimeout(timer);
      timer = setTimeout(() => reject(new Error(`no close event within ${CLOSE_AFTER_ERROR_MS} ms of the error: ${JSON.stringify(log)}`)), CLOSE_AFTER_ERROR_MS);
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      log.push({ event: 'close', readyState: ws.readyState, code: event.code, reason: event.reason, wasClean: event.wasClean });
      Promise.all(pending).then(() => resolve(log), reject);
    };
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every scenario, by name. */
export function scenarios(WS: WebSocketClass, ports: ServerPorts): Record<string, () => Promise<Log>> {
  const base = `ws://127.0.0.1:${ports.port}`;
  return {
    constructorChecks: async () => {
      const log: Log = [];
      log.push({ check: 'constants', values: [WS.CONNECTING, WS.OPEN, WS.CLOSING, WS.CLOSED] });
      log.push({ check: 'fragment', ...attempt(() => new WS(`${base}/echo#frag`)) });
      log.push({ check: 'empty fragment', ...attempt(() => new WS(`${base}/echo#`)) });
      log.push({ check: 'bad scheme', ...attempt(() => new WS(`ftp://127.0.0.1:${ports.port}/`)) });
      log.push({ check: 'relative URL', ...attempt(() => new WS('/echo')) });
      log.push({ check: 'bad protocol', ...attempt(() => new WS(`${base}/echo`, ['a b'])) });
      log.push({ check: 'empty protocol', ...attempt(() => new WS(`${base}/echo`, '')) });
      log.push({ check: 'repeated protocol', ...attempt(() => new WS(`${base}/echo`, ['chat', 'chat'])) });
      const ws = new WS(`http://127.0.0.1:${ports.port}/echo?x=1`);
      log.push({
        check: 'http URL',
        url: ws.url,
        readyState: ws.readyState,
        binaryType: ws.binaryType,
        constants: [ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED],
      });
      ws.binaryType = 'not-a-type';
      log.push({ check: 'invalid binaryType ignored', binaryType: ws.binaryType });
      await record(ws, log, { onOpen: () => ws.close() });
      return log;
    },

    text: async () => {
      const ws = new WS(`${base}/echo`);
      let received = 0;
      return record(ws, [], {
        onOpen: () => {
          ws.send('hello €');
          ws.send('');
        },
        onMessage: () => {
          if (++received === 2) ws.close(1000, 'bye');
        },
      });
    },

    binaryBlob: async () => {
      const ws = new WS(`${base}/binary`);
      const log: Log = [{ binaryType: ws.binaryType }];
      return record(ws, log, { onMessage: () => ws.close() });
    },

    binaryArrayBuffer: async () => {
      const ws = new WS(`${base}/binary`);
      ws.binaryType = 'arraybuffer';
      return record(ws, [], { onMessage: () => ws.close() });
    },

    sendBinaryKinds: async () => {
      const ws = new WS(`${base}/echo`);
      ws.binaryType = 'arraybuffer';
      let received = 0;
      return record(ws, [], {
        onOpen: () => {
          ws.send(new Uint8Array([1, 2, 3]).buffer);
          ws.send(new Uint16Array([0x0504]).subarray(0, 1));
          ws.send(new Blob([new Uint8Array([6, 7])]));
          ws.send('after blob');
        },
        onMessage: () => {
          if (++received === 4) ws.close(3001);
        },
      });
    },

    subprotocol: async () => {
      const ws = new WS(`${base}/echo`, ['x-other', 'chat']);
      return record(ws, [], { onOpen: () => ws.close(1000) });
    },

    serverClose: async () => record(new WS(`${base}/close`), []),

    refusedHandshake: async () => record(new WS(`${base}/forbidden`), []),

    unreachablePort: async () => record(new WS(`ws://127.0.0.1:${ports.deadPort}/`), []),

    closeWhileConnecting: async () => {
      const ws = new WS(`${base}/echo`);
      ws.close();
      const log: Log = [{ after: 'close()', readyState: ws.readyState }];
      log.push({ after: 'second close()', ...attempt(() => ws.close()), readyState: ws.readyState });
      return record(ws, log);
    },

    sendWhileConnecting: async () => {
      const ws = new WS(`${base}/echo`);
      const log: Log = [{ check: 'send while connecting', ...attempt(() => ws.send('early')), bufferedAmount: ws.bufferedAmount }];
      return record(ws, log, { onOpen: () => ws.close() });
    },

    invalidClose: async () => {
      const ws = new WS(`${base}/echo`);
      const log: Log = [];
      return record(ws, log, {
        onOpen: () => {
          for (const code of [0, 999, 1001, 1005, 2999, 5000]) log.push({ close: code, ...attempt(() => ws.close(code)) });
          log.push({ close: 'reason of 124 bytes', ...attempt(() => ws.close(1000, 'x'.repeat(124))) });
          log.push({ close: 'reason without code', ...attempt(() => ws.close(undefined, 'x'.repeat(124))) });
          log.push({ readyState: ws.readyState });
          // 61 two-byte characters: 122 bytes, allowed.
          ws.close(4999, 'é'.repeat(61));
          log.push({ after: 'close()', readyState: ws.readyState });
        },
      });
    },

    bufferedAmountWhilePeerStalls: async () => {
      const ws = new WS(`${base}/stall`);
      const log: Log = [];
      const chunk = new Uint8Array(1024 * 1024);
      const chunks = 16;
      return record(ws, log, {
        onOpen: () => {
          for (let i = 0; i < chunks; i++) ws.send(chunk);
          log.push({ after: 'sends', bufferedAmountIsTotal: ws.bufferedAmount === chunks * chunk.length });
          void (async () => {
            await delay(100);
            log.push({ after: '100 ms, peer not reading', stillBuffered: ws.bufferedAmount > 0 });
            // The server resumes reading after 1 s; wait for the buffer to drain (bounded).
            for (let i = 0; i < 400 && ws.bufferedAmount > 0; i++) await delay(25);
            log.push({ after: 'peer reads', bufferedAmount: ws.bufferedAmount });
            ws.close(1000);
            ws.send('late');
            log.push({ after: 'send() while closing', bufferedAmount: ws.bufferedAmount, readyState: ws.readyState });
          })();
        },
      });
    },
  };
}

/** Run every scenario in order; a failing scenario is recorded, not thrown. */
export async function runAll(WS: WebSocketClass, ports: ServerPorts): Promise<Record<string, Log | { failed: string }>> {
  const results: Record<string, Log | { failed: string }> = {};
  for (const [name, run] of Object.entries(scenarios(WS, ports))) {
    try {
      results[name] = await run();
    } catch (error) {
      results[name] = { failed: error instanceof Error ? error.message : String(error) };
    }
  }
  return results;
}
