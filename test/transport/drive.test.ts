import { EventEmitter } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Step, StepMachine } from '../../src/handshake/machine.js';
import { driveHandshake, hook, hookFirst } from '../../src/transport/drive.js';

describe('hook and hookFirst', () => {
  it('hook detaches exactly its own handlers, and twice is harmless', () => {
    const emitter = new EventEmitter();
    const other = (): void => {};
    emitter.on('data', other);
    const unhook = hook(emitter, { data: () => {}, end: () => {} });
    expect(emitter.listenerCount('data')).toBe(2);
    unhook();
    unhook();
    expect(emitter.listeners('data')).toEqual([other]);
    expect(emitter.listenerCount('end')).toBe(0);
  });

  it('hookFirst runs the first event\'s handler with every handler already detached', () => {
    const emitter = new EventEmitter();
    const seen: string[] = [];
    hookFirst(emitter, {
      connect: () => seen.push(`connect, ${emitter.listenerCount('error')} error listeners`),
      error: () => seen.push('error'),
    });
    emitter.emit('connect');
    emitter.emit('connect');
    expect(seen).toEqual(['connect, 0 error listeners']);
    expect(emitter.listenerCount('connect')).toBe(0);
  });
});

/** The servers a test started, closed after it. */
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A client socket connected to a loopback server that runs `onData` on what it reads. */
async function peer(onData: (socket: net.Socket, chunk: Buffer) => void): Promise<net.Socket> {
  const server = net.createServer((socket) => socket.on('data', (chunk) => onData(socket, chunk)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Sends "hi", waits for "hi!" plus anything, then is done with what came after it. */
class Echo implements StepMachine<string> {
  private got = '';
  constructor(private readonly patience?: number) {}
  start(): Buffer {
    return Buffer.from('hi');
  }
  feed(chunk: Buffer): Step<string> {
    this.got += chunk.toString();
    if (this.got.startsWith('hi!') && this.patience === undefined) return { kind: 'done', value: this.got.slice(3) };
    return this.patience === undefined ? { kind: 'wait' } : { kind: 'wait', patience: this.patience };
  }
  end(): Step<string> {
    throw new Error(`ended after ${JSON.stringify(this.got)}`);
  }
}

describe('driveHandshake', () => {
  it('settles with the done value, leaving the socket paused and free of its listeners', async () => {
    const socket = await peer((s) => s.write('hi!rest'));
    const before = socket.listenerCount('data');
    await expect(driveHandshake(socket, new Echo(), { what: 'echo' })).resolves.toBe('rest');
    expect(socket.isPaused()).toBe(true);
    expect(socket.listenerCount('data')).toBe(before);
    expect(socket.listenerCount('error')).toBe(0);
    socket.destroy();
  });

  it('after a wait with patience, ends the machine when the patience runs out, and destroys the socket', async () => {
    const socket = await peer((s) => s.write('hi!'));
    const started = Date.now();
    await expect(driveHandshake(socket, new Echo(50), { what: 'echo' })).rejects.toThrow('ended after "hi!"');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(socket.destroyed).toBe(true);
  });

  it('an abort without a machine abort() rejects with the reason, one with none with WS_ERR_ABORTED', async () => {
    const socket = await peer(() => {});
    const controller = new AbortController();
    const reason = new Error('stop');
    const driven = driveHandshake(socket, new Echo(), { what: 'echo', signal: controller.signal });
    controller.abort(reason);
    await expect(driven).rejects.toBe(reason);
    expect(socket.destroyed).toBe(true);
    const second = await peer(() => {});
    const silent = { aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    await expect(driveHandshake(second, new Echo(), { what: 'echo', signal: silent })).rejects.toMatchObject({ code: 'WS_ERR_ABORTED' });
  });

  it('the peer closing ends the machine', async () => {
    const socket = await peer((s) => s.end('hi'));
    await expect(driveHandshake(socket, new Echo(), { what: 'echo' })).rejects.toThrow('ended after "hi"');
  });
});
