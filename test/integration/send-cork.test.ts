/**
 * A send on an idle socket is written at once and, once the kernel has taken
 * it, resolves without waiting for the socket's write callback; the sends
 * after it in the same turn of the event loop are corked and go out together
 * on the next tick (one writev), in order, each masked with a key of its own;
 * abort() and shutdown() in the same turn still let them out first.
 */
import type * as net from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { createConnection, type WebSocket } from '../../src/index.js';
import { startRawServer, type RawServer } from '../helpers/raw-server.js';

let server: RawServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function connected(): Promise<{ ws: WebSocket; socket: net.Socket; server: RawServer }> {
  server = await startRawServer((peer) => peer.accept());
  const ws = await createConnection(server.url);
  const socket = (ws as unknown as { link: { socket: net.Socket } }).link.socket;
  return { ws, socket, server };
}

it('the first send of a turn is written at once, the later ones in one writev, in order, each frame masked with its own key', async () => {
  const { ws, socket, server } = await connected();
  const writev = vi.spyOn(socket, '_writev');
  const write = vi.spyOn(socket, '_write');
  const sends = [ws.send('one'), ws.send(Buffer.from('two')), ws.send('three')];
  expect(write).toHaveBeenCalledTimes(1);
  expect(ws.bufferedAmount).toBe(20); // 'two' and 'three', held until the next tick
  expect(await Promise.all(sends)).toEqual([9, 9, 11]);
  expect(write).toHaveBeenCalledTimes(1);
  expect(writev).toHaveBeenCalledTimes(1);
  expect((writev.mock.calls[0][0] as unknown[]).length).toBe(2);
  const peer = await server.peer();
  const frames = await peer.waitFor((f) => f.length === 3);
  expect(frames.map((f) => [f.opcode, f.payload.toString()])).toEqual([
    [1, 'one'],
    [2, 'two'],
    [1, 'three'],
  ]);
  expect(frames.every((f) => f.masked)).toBe(true);
  // Each frame carries its own masking key (RFC 6455 §5.3): bytes 2-5 of a short frame.
  const keys = new Set<string>();
  let at = 0;
  for (const f of frames) {
    keys.add(peer.received.subarray(at + 2, at + 6).toString('hex'));
    at += 6 + f.payload.length;
  }
  expect(keys.size).toBe(3);
  ws.shutdown();
});

it('a send the kernel took whole is settled before the next tick: no wait for the write callback', async () => {
  const { ws, socket } = await connected();
  const write = vi.spyOn(socket, '_write');
  let settled = false;
  void ws.send('quick').then(() => (settled = true));
  // Microtasks only: a process.nextTick callback (Node's write callback) cannot run in between.
  await null;
  await null;
  expect(settled).toBe(true);
  expect(write).toHaveBeenCalledTimes(1);
  ws.shutdown();
});

it('a send in a later turn is a write of its own', async () => {
  const { ws, socket, server } = await connected();
  const write = vi.spyOn(socket, '_write');
  await ws.send('a');
  await ws.send('b');
  expect(write).toHaveBeenCalledTimes(2);
  const frames = await (await server.peer()).waitFor((f) => f.length === 2);
  expect(frames.map((f) => f.payload.toString())).toEqual(['a', 'b']);
  ws.shutdown();
});

it.each(['abort', 'shutdown'] as const)('%s() right after send() in the same turn still lets the frame out first', async (how) => {
  const { ws, server } = await connected();
  const sent = ws.send('bye');
  ws[how]();
  await sent;
  const peer = await server.peer();
  const frames = await peer.waitFor((f) => f.length === 1);
  expect(frames[0].payload.toString()).toBe('bye');
  await peer.ended;
});
