/**
 * What an idle connection holds beyond its socket: the listeners and read
 * callbacks every connection shares, nothing made per connection until it
 * is needed (a pong held back adds the 'drain' listener).
 */
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from '../../src/index.js';
import { usePeers } from '../helpers/peers.js';

const { raw, open } = usePeers();

const socketOf = (ws: WebSocket): net.Socket => (ws as unknown as { link: { socket: net.Socket } }).link.socket;
const kBufferCb = (socket: net.Socket): unknown => {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kBufferCb');
  return key === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[key];
};

describe('an idle connection', () => {
  it('shares its socket listeners and read callback with every other connection', async () => {
    const server = await raw();
    const [a, b] = [await open(server.url), await open(server.url)];
    const [sa, sb] = [socketOf(a), socketOf(b)];
    for (const event of ['data', 'error', 'close']) {
      const ours = (socket: net.Socket) => socket.listeners(event).filter((l) => l.name.startsWith('onSocket'));
      expect(ours(sa)).toHaveLength(1);
      expect(ours(sa)[0]).toBe(ours(sb)[0]);
    }
    // No 'drain' listener until a pong is held back; no 'end' listener on a socket Node ends itself.
    expect(sa.listenerCount('drain')).toBe(0);
    expect(sa.listeners('end').some((l) => l.name.startsWith('onSocket'))).toBe(false);
    expect(kBufferCb(sa)).toBeTypeOf('function');
    expect(kBufferCb(sa)).toBe(kBufferCb(sb));
  });
});
