/**
 * A server that breaks RFC 6455 (crafted bytes from a raw server): the web
 * interface delivers the messages before the violation, then fails the
 * connection (error with the protocol exception, close 1006), and the close
 * frame the connection sends carries the RFC's code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { CloseEvent, ErrorEvent, WebSocket } from '../../src/web/index.js';
import { serverFrame, startRawServer, type RawServer } from '../helpers/raw-server.js';

let server: RawServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

interface Seen {
  events: string[];
  data: unknown[];
  error?: ErrorEvent;
  close?: CloseEvent;
}

function watch(ws: WebSocket): Promise<Seen> {
  const seen: Seen = { events: [], data: [] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close event within 10 s: ${seen.events.join(', ')}`)), 10_000);
    ws.onopen = () => seen.events.push('open');
    ws.onmessage = (event) => {
      seen.events.push('message');
      seen.data.push(event.data);
    };
    ws.onerror = (event) => {
      seen.events.push('error');
      seen.error = event;
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      seen.events.push('close');
      seen.close = event;
      resolve(seen);
    };
  });
}

describe('rfc6455/web against a server that breaks the protocol', () => {
  it('a frame with rsv2 set: message before it, then error (Protocol exception) and close 1006; 1002 on the wire', async () => {
    server = await startRawServer(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(0x1, 'before'), serverFrame(0x1, 'bad', { rsv2: true })]);
    });
    const seen = await watch(new WebSocket(server.url));
    expect(seen.events).toEqual(['open', 'message', 'error', 'close']);
    expect(seen.data).toEqual(['before']);
    expect(seen.error?.error).toBeInstanceOf(WebSocketProtocolException);
    expect(seen.close).toMatchObject({ code: 1006, wasClean: false });
    const frames = await (await server.peer()).waitFor((f) => f.some((frame) => frame.opcode === 0x8));
    const close = frames.find((frame) => frame.opcode === 0x8);
    expect(close?.payload.readUInt16BE(0)).toBe(1002);
  });

  it('invalid UTF-8 in a text message: error (Payload exception) and close 1006; 1007 on the wire', async () => {
    server = await startRawServer(async (peer) => {
      await peer.accept();
      await peer.play([serverFrame(0x1, new Uint8Array([0x68, 0xff, 0x69]))]);
    });
    const seen = await watch(new WebSocket(server.url));
    expect(seen.events).toEqual(['open', 'error', 'close']);
    expect(seen.error?.error).toBeInstanceOf(WebSocketPayloadException);
    const frames = await (await server.peer()).waitFor((f) => f.some((frame) => frame.opcode === 0x8));
    expect(frames.find((frame) => frame.opcode === 0x8)?.payload.readUInt16BE(0)).toBe(1007);
  });
});
