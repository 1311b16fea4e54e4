/**
 * The `message` event of rfc6455/web, delivered without Node's EventTarget
 * machinery: the event's attributes and methods (DOM Standard § 2.2), the
 * listener rules (§ 2.7 add/remove, § 2.10 inner invoke) with the `onmessage`
 * attribute in its place (HTML § 8.1.8.1), errors reported as Node's
 * EventTarget reports them, events dispatched by someone else, and every
 * message of one read handed out in order, none after close().
 */
import * as http from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { MessageEvent, WebSocket } from '../../src/web/index.js';
import { listenLocal, stopLocal } from './local-server.js';

/** Messages a `/send?n=N` connection sends at once after its first message from the client. */
function messagesFor(path: string): number {
  return Number(new URL(path, 'http://x').searchParams.get('n') ?? '1');
}

describe('rfc6455/web message dispatch', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let port: number;

  beforeAll(async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (socket, request) => {
      // On 'go', n text messages "m0".."m(n-1)" written in one go, then a close 1000.
      socket.once('message', () => {
        const n = messagesFor(request.url ?? '/');
        for (let i = 0; i < n; i++) socket.send(`m${i}`);
        socket.close(1000);
      });
    });
    port = await listenLocal(server);
  });

  afterAll(() => stopLocal(server, wss));

  /** A connection that asks for `n` messages once open (after `setup` ran); resolves at its close event (bounded at 10 s). */
  function receive(n: number, setup: (ws: WebSocket) => void): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/send?n=${n}`);
    setup(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no close event within 10 s')), 10_000);
      ws.addEventListener('open', () => ws.send('go'));
      ws.addEventListener('close', () => {
        clearTimeout(timer);
        resolve(ws);
      });
    });
  }

  it('the event: a MessageEvent and an Event, with target, currentTarget and phase during dispatch and after', async () => {
    const seen: Record<string, unknown> = {};
    let kept: MessageEvent | undefined;
    const before = performance.now();
    const ws = await receive(1, (socket) => {
      socket.onmessage = function (this: WebSocket, event) {
        kept = event;
        Object.assign(seen, {
          thisIsSocket: this === socket,
          isEvent: event instanceof Event,
          isMessageEvent: event instanceof MessageEvent,
          type: event.type,
          data: event.data,
          origin: event.origin,
          lastEventId: event.lastEventId,
          source: event.source,
          ports: event.ports,
          target: event.target === socket,
          srcElement: event.srcElement === socket,
          currentTarget: event.currentTarget === socket,
          eventPhase: event.eventPhase,
          composedPath: event.composedPath().length === 1 && event.composedPath()[0] === socket,
          flags: [event.bubbles, event.cancelable, event.composed, event.isTrusted],
          timeStamp: event.timeStamp >= before && event.timeStamp <= performance.now(),
        });
        event.preventDefault();
        event.returnValue = false;
        seen.afterPreventDefault = [event.defaultPrevented, event.returnValue];
      };
    });
    expect(seen).toEqual({
      thisIsSocket: true,
      isEvent: true,
      isMessageEvent: true,
      type: 'message',
      data: 'm0',
      origin: `ws://127.0.0.1:${port}`,
      lastEventId: '',
      source: null,
      ports: [],
      target: true,
      srcElement: true,
      currentTarget: true,
      eventPhase: Event.AT_TARGET,
      composedPath: true,
      flags: [false, false, false, false],
      timeStamp: true,
      // Not cancelable: preventDefault() and returnValue = false change nothing (DOM § 2.2).
      afterPreventDefault: [false, true],
    });
    const event = kept as MessageEvent;
    // After dispatch (DOM § 2.9, last steps): no current target, phase NONE, the target kept.
    expect(event.currentTarget).toBeNull();
    expect(event.eventPhase).toBe(Event.NONE);
    expect(event.composedPath()).toEqual([]);
    expect(event.target).toBe(ws);
    expect(inspect(event)).toBe(`MessageEvent { type: 'message', data: "m0", origin: 'ws://127.0.0.1:${port}' }`);
  });

  it('onmessage and addEventListener listeners run in the order they were added; the attribute keeps its place until set to null', async () => {
    const calls: string[] = [];
    await receive(2, (ws) => {
      ws.addEventListener('message', (event) => calls.push(`first listener ${(event as MessageEvent).data as string}`));
      ws.onmessage = () => calls.push('old handler');
      ws.addEventListener('message', (event) => {
        calls.push('second listener');
        if ((event as MessageEvent).data === 'm0') {
          // Null removes the attribute's listener; a new handler comes last.
          ws.onmessage = null;
          ws.onmessage = () => calls.push('handler set again');
        }
      });
      ws.onmessage = () => calls.push('new handler');
    });
    expect(calls).toEqual(['first listener m0', 'new handler', 'second listener', 'first listener m1', 'second listener', 'handler set again']);
  });

  it('stopImmediatePropagation() stops the later listeners for that message only; stopPropagation() does not at the target', async () => {
    const calls: string[] = [];
    await receive(2, (ws) => {
      ws.addEventListener('message', (event) => {
        const data = (event as MessageEvent).data as string;
        calls.push(`a ${data}`);
        if (data === 'm0') event.stopImmediatePropagation();
        else event.stopPropagation();
        calls.push(`cancelBubble ${String(event.cancelBubble)}`);
      });
      ws.onmessage = (event) => calls.push(`b ${event.data as string}`);
    });
    expect(calls).toEqual(['a m0', 'cancelBubble true', 'a m1', 'cancelBubble true', 'b m1']);
  });

  it('once, duplicates, capture, handleEvent looked up at each call, and a signal', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const aborted = AbortSignal.abort();
    await receive(3, (ws) => {
      const listener = (event: Event): void => void calls.push(`listener ${(event as MessageEvent).data as string}`);
      ws.addEventListener('message', listener);
      ws.addEventListener('message', listener); // the same callback and capture: ignored
      ws.addEventListener('message', listener, true); // another capture: a listener of its own
      ws.removeEventListener('message', listener, { capture: false });
      ws.addEventListener('message', (event) => calls.push(`once ${(event as MessageEvent).data as string}`), { once: true });
      const object = {
        handleEvent(this: unknown, event: Event): void {
          calls.push(`object ${String(this === object)} ${(event as MessageEvent).data as string}`);
          object.handleEvent = (later) => void calls.push(`replaced handleEvent ${(later as MessageEvent).data as string}`);
        },
      };
      ws.addEventListener('message', object);
      ws.addEventListener('message', (event) => {
        calls.push(`signal ${(event as MessageEvent).data as string}`);
        controller.abort();
      }, { signal: controller.signal });
      ws.addEventListener('message', () => calls.push('never: aborted before'), { signal: aborted });
    });
    expect(calls).toEqual([
      'listener m0',
      'once m0',
      'object true m0',
      'signal m0',
      'listener m1',
      'replaced handleEvent m1',
      'listener m2',
      'replaced handleEvent m2',
    ]);
  });

  it('addEventListener: null is ignored; a listener that is not a function or object, or a signal that is not an AbortSignal, is a TypeError', () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/send`);
    try {
      expect(() => ws.addEventListener('message', null)).not.toThrow();
      expect(() => ws.addEventListener('message', 42 as unknown as EventListener)).toThrow(
        new TypeError('expected the listener to be a function or an object with handleEvent, got number'),
      );
      expect(() => ws.addEventListener('message', () => undefined, { signal: {} as AbortSignal })).toThrow(
        new TypeError('expected options.signal to be an AbortSignal, got [object Object]'),
      );
      // The same rules as Node's EventTarget for the other event types.
      expect(() => ws.addEventListener('open', 42 as unknown as EventListener)).toThrow(TypeError);
    } finally {
      ws.close();
    }
  });

  it('a listener removed during a dispatch is not called; one added during it is called from the next message on', async () => {
    const calls: string[] = [];
    await receive(2, (ws) => {
      const removed = (): number => calls.push('removed');
      const added = (event: Event): number => calls.push(`added ${(event as MessageEvent).data as string}`);
      ws.addEventListener('message', (event) => {
        calls.push(`first ${(event as MessageEvent).data as string}`);
        ws.removeEventListener('message', removed);
        ws.addEventListener('message', added);
      });
      ws.addEventListener('message', removed);
    });
    expect(calls).toEqual(['first m0', 'first m1', 'added m1']);
  });

  it('a throwing listener is reported as an uncaught exception, as Node\'s EventTarget does, and the next listeners still run', async () => {
    const saved = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const reported: unknown[] = [];
    process.on('uncaughtException', (error) => reported.push(error));
    const calls: string[] = [];
    try {
      // The reference: Node's own EventTarget with the same two listeners.
      const reference = new EventTarget();
      reference.addEventListener('message', () => {
        throw new Error('thrown by a listener of EventTarget');
      });
      reference.addEventListener('message', () => calls.push('after the throw (EventTarget)'));
      reference.dispatchEvent(new Event('message'));
      await receive(1, (ws) => {
        ws.onmessage = () => {
          throw new Error('thrown by onmessage');
        };
        ws.addEventListener('message', async () => {
          calls.push('after the throw (rfc6455/web)');
          throw new Error('rejected by an async listener');
        });
      });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const listener of saved) process.on('uncaughtException', listener);
    }
    expect(calls).toEqual(['after the throw (EventTarget)', 'after the throw (rfc6455/web)']);
    expect(reported.map((error) => (error as Error).message)).toEqual([
      'thrown by a listener of EventTarget',
      'thrown by onmessage',
      'rejected by an async listener',
    ]);
  });

  it('a message event dispatched by someone else reaches the same listeners, in order, with once, stopImmediatePropagation and passive', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/send`);
    const closed = new Promise((resolve) => ws.addEventListener('close', resolve));
    const calls: string[] = [];
    ws.addEventListener('message', (event) => calls.push(`once ${String(event.target === ws)} ${String(event.currentTarget === ws)}`), { once: true });
    ws.onmessage = (event) => calls.push(`handler ${event.data as string}`);
    ws.addEventListener('message', (event) => {
      event.preventDefault();
      calls.push(`passive ${String(event.defaultPrevented)}`);
    }, { passive: true });
    ws.addEventListener('message', (event) => {
      calls.push('stopper');
      event.stopImmediatePropagation();
    });
    ws.addEventListener('message', () => calls.push('never: stopped'));
    const ours = new MessageEvent('message', { data: 'ours', cancelable: true });
    expect(ws.dispatchEvent(ours)).toBe(true);
    const nodes = new globalThis.MessageEvent('message', { data: 'Node\'s' });
    ws.dispatchEvent(nodes);
    // Node's EventTarget set and reset the target and phase.
    expect([ours.target, ours.currentTarget, ours.eventPhase]).toEqual([ws, null, Event.NONE]);
    expect(calls).toEqual(['once true true', 'handler ours', 'passive false', 'stopper', "handler Node's", 'passive false', 'stopper']);
    // The event's own methods are back: nothing of the dispatch stays on it.
    expect(Object.getOwnPropertyNames(ours)).not.toContain('stopImmediatePropagation');
    ws.close();
    await closed;
  });

  it('every message of one read arrives, in order; none after close() in a handler (WHATWG WebSockets: only while OPEN)', async () => {
    const all: string[] = [];
    await receive(1000, (ws) => {
      ws.onmessage = (event) => all.push(event.data as string);
    });
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => `m${i}`));

    const beforeClose: string[] = [];
    await receive(50, (ws) => {
      ws.onmessage = (event) => {
        beforeClose.push(event.data as string);
        if (event.data === 'm2') ws.close();
      };
    });
    expect(beforeClose).toEqual(['m0', 'm1', 'm2']);
  });
});
