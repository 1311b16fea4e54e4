/**
 * The bounds on unread messages (maxQueue, maxQueueBytes) against raw servers,
 * whatever the arrival pattern: frames glued to the 101, one 256 KiB read of
 * tiny frames, large messages, a flood after the handshake. Also: control
 * frames reach a read that asked for them.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { serverFrame, type RawPeer } from '../helpers/raw-server.js';
import { usePeers } from '../helpers/peers.js';

const { raw, open } = usePeers(5000);

/** What the client holds unread (its inbox) and unparsed (its session), read from the private fields. */
function unread(ws: WebSocket): { messages: number; bytes: number; heldBytes: number } {
  const inner = ws as unknown as { inbox: { data: number; bytes: number }; link: { session: { heldBytes: number } } };
  return { messages: inner.inbox.data, bytes: inner.inbox.bytes, heldBytes: inner.link.session.heldBytes };
}

/** Waits (loosely bounded, for a loaded machine) until the client holds `count` unread data units, then a little longer to see that it holds no more. */
async function settled(ws: WebSocket, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (unread(ws).messages < count && Date.now() < deadline) await sleep(10);
  await sleep(100);
}

const TEXT = 0x1;
const BINARY = 0x2;
const PING = 0x9;
const PONG = 0xa;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` binary messages numbered from 0, then a ping, as one buffer. */
function messagesThenPing(count: number, size = 8): Buffer {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.alloc(size);
    body.writeUInt32BE(i, 0);
    frames.push(serverFrame(BINARY, body));
  }
  frames.push(serverFrame(PING, 'after'));
  return Buffer.concat(frames);
}

describe('the maxQueue boundary', () => {
  it('reading stops once maxQueue unread messages are queued, not one later: the frame after them is not read until the user reads', async () => {
    let peer!: RawPeer;
    const server = await raw(async (p) => {
      peer = p;
      await p.accept();
      await p.play([messagesThenPing(4)]);
    });
    const ws = await open(server.url, { maxQueue: 4 });
    await settled(ws, 4);
    expect(unread(ws).messages).toBe(4);
    // The ping after the 4th message was not parsed: no pong.
    expect(peer.frames().filter((f) => f.opcode === PONG)).toEqual([]);
    // Reading resumes once the queue is down to a quarter of maxQueue (1): then the ping is answered.
    for (let i = 0; i < 3; i++) expect(((await ws.recv()) as Buffer).readUInt32BE(0)).toBe(i);
    const frames = await peer.waitFor((f) => f.some((x) => x.opcode === PONG), 3000);
    expect(frames.find((x) => x.opcode === PONG)?.payload.toString()).toBe('after');
    expect(((await ws.recv()) as Buffer).readUInt32BE(0)).toBe(3);
  });

  it('one message fewer than maxQueue does not stop reading: the ping after them is answered with nothing read', async () => {
    let peer!: RawPeer;
    const server = await raw(async (p) => {
      peer = p;
      await p.accept();
      await p.play([messagesThenPing(3)]);
    });
    const ws = await open(server.url, { maxQueue: 4 });
    await peer.waitFor((f) => f.some((x) => x.opcode === PONG), 3000);
    expect(unread(ws).messages).toBe(3);
  });

  it('bytes that come one at a time: reading stops at maxQueue messages just the same', async () => {
    let peer!: RawPeer;
    let played!: () => void;
    const done = new Promise<void>((resolve) => (played = resolve));
    const server = await raw(async (p) => {
      peer = p;
      p.socket.setNoDelay(true);
      await p.accept();
      const bytes = messagesThenPing(6);
      await p.play([...bytes].flatMap((byte) => [Uint8Array.of(byte), { delay: 1 }]));
      played();
    });
    const ws = await open(server.url, { maxQueue: 4 });
    await done;
    await settled(ws, 4);
    expect(unread(ws).messages).toBe(4);
    expect(peer.frames().filter((f) => f.opcode === PONG)).toEqual([]);
    for (let i = 0; i < 6; i++) expect(((await ws.recv()) as Buffer).readUInt32BE(0)).toBe(i);
    await peer.waitFor((f) => f.some((x) => x.opcode === PONG), 3000);
  });

  it('frames glued to the 101 fill the queue like any read: the socket stays paused, a flood after them is not read, memory grows far less than what was sent', async () => {
    const FLOOD = 16 * 1024 * 1024;
    const flood = Buffer.concat(Array.from({ length: 512 }, () => serverFrame(BINARY, Buffer.alloc(125, 0x66)))); // 64 KiB of 125-byte messages
    let backlog = 0;
    let flooded!: () => void;
    const floodDone = new Promise<void>((resolve) => (flooded = resolve));
    const server = await raw(async (p) => {
      const head = await p.upgradeResponse();
      // 20 messages in the same write as the 101, then 16 MiB of 125-byte messages (the same buffer written again and again).
      p.socket.write(Buffer.concat([Buffer.from(head), messagesThenPing(20)]));
      for (let sent = 0; sent < FLOOD; sent += flood.length) p.socket.write(flood);
      await sleep(400);
      backlog = p.socket.writableLength;
      flooded();
    });
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = memory();
    const ws = await open(server.url, { maxQueue: 16 });
    await floodDone;
    await settled(ws, 16);
    const state = unread(ws);
    expect(state.messages).toBe(16);
    // The client read at most a few socket reads past the 101: the flood waits in the kernel and on the server.
    expect(state.heldBytes).toBeLessThan(1024 * 1024);
    const bytesRead = (ws as unknown as { link: { socket: { bytesRead: number } } }).link.socket.bytesRead;
    expect(bytesRead).toBeLessThan(1024 * 1024);
    expect(backlog).toBeGreaterThan(0);
    // 130,000 queued messages would take tens of MB; the client holds a few reads.
    expect(memory() - before).toBeLessThan(FLOOD / 4);
    // Everything still arrives, in order.
    for (let i = 0; i < 20; i++) expect(((await ws.recv()) as Buffer).readUInt32BE(0)).toBe(i);
    expect(await ws.recv()).toEqual(Buffer.alloc(125, 0x66));
  });
});

describe('the maxQueueBytes bound', () => {
  it('one 256 KiB read of tiny frames queues maxQueue messages; the rest stays bytes until the user reads', async () => {
    const count = 128 * 1024; // 2-byte frames: one 256 KiB write
    const server = await raw(async (p) => {
      await p.accept();
      const all = Buffer.alloc(count * 2);
      for (let i = 0; i < all.length; i += 2) all[i] = 0x81; // empty text frames (81 00)
      await p.play([all]);
    });
    const ws = await open(server.url, { maxQueue: 16 });
    await settled(ws, 16);
    const state = unread(ws);
    expect(state.messages).toBe(16);
    expect(state.heldBytes).toBeLessThanOrEqual(count * 2);
    let read = 0;
    while (read < count) {
      expect(await ws.recv()).toBe('');
      read++;
      if (read % 20_000 === 0) expect(unread(ws).messages).toBeLessThanOrEqual(16);
    }
    expect(unread(ws).messages).toBe(0);
  });

  it('large messages: reading stops once the unread bytes reach maxQueueBytes, whatever maxQueue allows', async () => {
    const size = 1024 * 1024;
    const count = 24;
    const server = await raw(async (p) => {
      await p.accept();
      for (let i = 0; i < count; i++) {
        const body = Buffer.alloc(size, i);
        p.socket.write(serverFrame(BINARY, body));
      }
    });
    const ws = await open(server.url, { maxQueue: 1000, maxQueueBytes: 4 * size });
    await settled(ws, 4);
    const state = unread(ws);
    expect(state.messages).toBe(4);
    expect(state.bytes).toBe(4 * size);
    for (let i = 0; i < count; i++) {
      const message = (await ws.recv()) as Buffer;
      expect([message.length, message[0], message.at(-1)]).toEqual([size, i, i]);
      expect(unread(ws).bytes).toBeLessThanOrEqual(4 * size);
    }
  });

  it('text counts its UTF-8 bytes; a single message larger than maxQueueBytes is still received', async () => {
    const text = 'é'.repeat(3000); // 6000 bytes
    const server = await raw(async (p) => {
      await p.accept();
      await p.play([Buffer.concat([serverFrame(TEXT, text), serverFrame(TEXT, text), serverFrame(PING)])]);
    });
    const ws = await open(server.url, { maxQueueBytes: 5000 });
    await settled(ws, 1);
    expect(unread(ws)).toMatchObject({ messages: 1, bytes: 6000 });
    expect(await ws.recv()).toBe(text);
    expect(await ws.recv()).toBe(text);
  });

  it('refuses a maxQueueBytes that is not an integer >= 1', () => {
    expect(() => new WebSocket({ maxQueueBytes: 0 })).toThrow('expected maxQueueBytes to be an integer >= 1, got 0');
    expect(() => new WebSocket({ maxQueueBytes: 1.5 })).toThrow(/maxQueueBytes/);
  });
});

describe('control frames and mixed reads', () => {
  it('a ping or pong goes to a read that asked for control frames, even behind a recv() waiting for a message', async () => {
    let peer!: RawPeer;
    const server = await raw(async (p) => {
      peer = p;
      await p.accept();
    });
    const ws = await open(server.url);
    const message = ws.recv();
    const control = ws.recvData(true);
    await sleep(50);
    await peer.play([Buffer.concat([serverFrame(PING, 'p1'), serverFrame(PONG, 'p2'), serverFrame(TEXT, 'hello')])]);
    expect(await message).toBe('hello');
    const [opcode, data] = await control;
    expect([opcode, data.toString()]).toEqual([PING, 'p1']);
  });
});

describe('what a read returns does not depend on when the bytes arrived', () => {
  const CONT = 0x0;

  it('recvFrame() hands out the frames of a fragmented message that came glued to the 101', async () => {
    const server = await raw(async (p) => {
      const head = await p.upgradeResponse();
      p.socket.write(Buffer.concat([Buffer.from(head), Buffer.from([0x01, 0x02]), Buffer.from('ab'), Buffer.from([0x80, 0x02]), Buffer.from('cd')]));
    });
    const ws = await open(server.url);
    const first = await ws.recvFrame();
    expect([first.opcode, first.fin, Buffer.from(first.data).toString()]).toEqual([TEXT, 0, 'ab']);
    const second = await ws.recvFrame();
    expect([second.opcode, second.fin, Buffer.from(second.data).toString()]).toEqual([CONT, 1, 'cd']);
  });

  it('recvFrame() after a message was queued whole, and recv() after recvFrame() took its first frame', async () => {
    const server = await raw(async (p) => {
      await p.accept();
      const parts = [serverFrame(BINARY, 'one', { fin: false }), serverFrame(CONT, 'two', { fin: false }), serverFrame(CONT, 'three')];
      await p.play([Buffer.concat([...parts, serverFrame(TEXT, 'é', { fin: false }), serverFrame(CONT, 'è'), ...parts])]);
    });
    const ws = await open(server.url);
    await settled(ws, 3); // all of it parsed in message mode
    const frames = [await ws.recvFrame(), await ws.recvFrame(), await ws.recvFrame()];
    expect(frames.map((f) => [f.opcode, f.fin, Buffer.from(f.data).toString()])).toEqual([
      [BINARY, 0, 'one'],
      [CONT, 0, 'two'],
      [CONT, 1, 'three'],
    ]);
    const text = [await ws.recvFrame(), await ws.recvFrame()];
    expect(text.map((f) => [f.opcode, f.fin, Buffer.from(f.data).toString()])).toEqual([
      [TEXT, 0, 'é'],
      [CONT, 1, 'è'],
    ]);
    expect((await ws.recvFrame()).fin).toBe(0);
    expect(await ws.recv()).toEqual(Buffer.from('twothree'));
  });

  it('recvFrame() on a message queued whole: pings and pongs that came between its frames come between them', async () => {
    const server = await raw(async (p) => {
      await p.accept();
      await p.play([
        Buffer.concat([
          serverFrame(BINARY, 'a', { fin: false }),
          serverFrame(PING, 'p'),
          serverFrame(CONT, 'b', { fin: false }),
          serverFrame(PONG, 'q'),
          serverFrame(CONT, 'c'),
          serverFrame(PING, 'after'),
        ]),
      ]);
    });
    const ws = await open(server.url);
    await settled(ws, 1); // queued whole, in message mode
    const frames = [];
    for (let i = 0; i < 6; i++) frames.push(await ws.recvFrame());
    expect(frames.map((f) => [f.opcode, f.fin, Buffer.from(f.data).toString()])).toEqual([
      [BINARY, 0, 'a'],
      [PING, 1, 'p'],
      [CONT, 0, 'b'],
      [PONG, 1, 'q'],
      [CONT, 1, 'c'],
      [PING, 1, 'after'],
    ]);
  });

  it('recvFrame() does not wait for a message still being received to hand out a ping that came inside it', async () => {
    const server = await raw(async (p) => {
      await p.accept();
      await p.play([Buffer.concat([serverFrame(BINARY, 'a', { fin: false }), serverFrame(PING, 'p')])]);
      // The rest of the message only once the user says so.
      await p.waitFor((f) => f.some((x) => x.opcode === TEXT), 3000);
      await p.play([serverFrame(CONT, 'b')]);
    });
    const ws = await open(server.url);
    await sleep(100); // the first frame and the ping are in: the message is still being reassembled
    const ping = await ws.recvFrame();
    expect([ping.opcode, Buffer.from(ping.data).toString()]).toEqual([PING, 'p']);
    await ws.send('go on');
    const frames = [await ws.recvFrame(), await ws.recvFrame()];
    expect(frames.map((f) => [f.opcode, f.fin, Buffer.from(f.data).toString()])).toEqual([
      [BINARY, 0, 'a'],
      [CONT, 1, 'b'],
    ]);
  });

  it('recv() reassembles frames queued in raw frame mode, even past maxQueue frames, skipping the pings between them', async () => {
    let peer!: RawPeer;
    const server = await raw(async (p) => {
      peer = p;
      await p.accept();
    });
    const ws = await open(server.url, { maxQueue: 2 });
    const framed = ws.recvFrame(); // raw frame mode from now on
    await peer.play([serverFrame(BINARY, 'x')]);
    expect((await framed).opcode).toBe(BINARY);
    const pieces = Array.from({ length: 10 }, (_, i) => serverFrame(i === 0 ? TEXT : CONT, `p${i}`, { fin: i === 9 }));
    pieces.splice(3, 0, serverFrame(PING, 'between'));
    await peer.play([Buffer.concat([...pieces, serverFrame(TEXT, 'after')])]);
    await settled(ws, 2); // queued as frames while nobody reads (maxQueue frames, then reading stops)
    expect(await ws.recv()).toBe(Array.from({ length: 10 }, (_, i) => `p${i}`).join(''));
    expect(await ws.recv()).toBe('after');
  });

  it('recvData(true) gets a ping that came between the frames of a message queued in raw mode before the message', async () => {
    let peer!: RawPeer;
    const server = await raw(async (p) => {
      peer = p;
      await p.accept();
    });
    const ws = await open(server.url);
    const framed = ws.recvFrame();
    await peer.play([serverFrame(BINARY, 'x')]);
    await framed;
    await peer.play([Buffer.concat([serverFrame(BINARY, 'a', { fin: false }), serverFrame(PING, 'p'), serverFrame(CONT, 'b')])]);
    await settled(ws, 2);
    const [opcode, data] = await ws.recvData(true);
    expect([opcode, data.toString()]).toEqual([PING, 'p']);
    const [opcode2, data2] = await ws.recvData(true);
    expect([opcode2, data2.toString()]).toEqual([BINARY, 'ab']);
  });
});
