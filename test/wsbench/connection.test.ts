import { createServer, type Server } from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsPeer } from 'ws';
import { BenchConnection, type BenchConnectOptions, type ConnectionEvents } from '../../src/bench/connection.js';
import { runWorkload, type WorkloadSpec } from '../../src/bench/workload.js';
import { OPCODE_BINARY, OPCODE_CONT, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT } from '../../src/frame/opcodes.js';
import { HAND_OVER_BYTES, largeReads, setReadSink } from '../../src/transport/large-reads.js';
import { benchSpec } from '../helpers/bench-spec.js';
import { until } from '../helpers/fake-clock.js';
import { usePeers } from '../helpers/peers.js';
import { serverFrame, type RawPeer } from '../helpers/raw-server.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-cert.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

const peers = usePeers();

/** Opens a BenchConnection that records every message (copied: a message is valid only during its call). */
async function open(url: string, options: BenchConnectOptions = {}) {
  const messages: Array<Buffer | string> = [];
  const errors: Error[] = [];
  let ended: (code: number | null) => void = () => {};
  const end = new Promise<number | null>((resolve) => (ended = resolve));
  const events: ConnectionEvents = {
    onMessage: (data) => messages.push(typeof data === 'string' ? data : Buffer.from(data)),
    onError: (error) => errors.push(error),
    onEnd: (code) => ended(code),
  };
  const connection = await BenchConnection.open(url, { timeout: 3000, ...options }, events);
  return { connection, messages, errors, end };
}

/** Payload `i` of the scripted messages: distinct bytes, so a piece overwritten by a later read shows. */
function payload(i: number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, j) => (i * 31 + j * 7) & 0xff));
}

describe('reads of a plain socket, straight from its read buffer', () => {
  it('delivers messages split across reads at odd places, fragmented ones and pings between frames, whole and in order', async () => {
    // Written in pieces of 1 to 7 bytes with pauses, so that most pieces arrive in reads of their own, each
    // into the same shared read buffer: a view kept of an earlier read would show the bytes of a later one.
    const expected: Buffer[] = [];
    const bytes: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const message = payload(i, i * 13 + 1);
      expected.push(message);
      if (i % 3 === 2) {
        const half = message.length >> 1;
        bytes.push(serverFrame(OPCODE_BINARY, message.subarray(0, half), { fin: false }));
        bytes.push(serverFrame(OPCODE_PING, `p${i}`));
        bytes.push(serverFrame(OPCODE_CONT, message.subarray(half)));
      } else {
        bytes.push(serverFrame(OPCODE_BINARY, message));
      }
    }
    const stream = Buffer.concat(bytes);
    const server = await peers.raw(async (peer: RawPeer) => {
      await peer.accept();
      const steps = [];
      for (let at = 0, n = 0; at < stream.length; n++) {
        const size = 1 + (n % 7);
        steps.push(stream.subarray(at, at + size), { delay: 2 });
        at += size;
      }
      await peer.play(steps);
    });
    const { connection, messages, errors } = await open(server.url);
    expect(connection.direct).toBe(true);
    await until(() => messages.length === expected.length, 'every scripted message');
    expect(messages).toEqual(expected);
    expect(errors).toEqual([]);
    const peer = await server.peer();
    const pongs = await peer.waitFor((frames) => frames.filter((f) => f.opcode === OPCODE_PONG).length === 4);
    expect(pongs.filter((f) => f.opcode === OPCODE_PONG).map((f) => f.payload.toString())).toEqual(['p2', 'p5', 'p8', 'p11']);
    connection.destroy();
  });

  it('delivers first the bytes that came with the 101, then those written right after it, then later reads, in order', async () => {
    const server = await peers.raw(async (peer: RawPeer) => {
      const head = await peer.upgradeResponse();
      // The 101 and two messages in one write, two more right after, then more once the connection is open.
      peer.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), serverFrame(OPCODE_TEXT, 'm0'), serverFrame(OPCODE_TEXT, 'm1')]));
      peer.socket.write(Buffer.concat([serverFrame(OPCODE_TEXT, 'm2'), serverFrame(OPCODE_TEXT, 'm3')]));
      await peer.play([{ delay: 50 }, serverFrame(OPCODE_TEXT, 'm4'), { delay: 5 }, serverFrame(OPCODE_TEXT, 'm5')]);
    });
    const { connection, messages } = await open(server.url);
    expect(connection.direct).toBe(true);
    await until(() => messages.length === 6, 'six messages');
    expect(messages).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    connection.destroy();
  });

  it('reports the server close code and the end of the stream as on the stream path', async () => {
    const server = await peers.raw(async (peer: RawPeer) => {
      await peer.accept();
      await peer.play([serverFrame(OPCODE_TEXT, 'bye'), serverFrame(0x8, Buffer.from([0x03, 0xe9])), { delay: 20 }, 'end']);
    });
    const { connection, messages, end } = await open(server.url);
    expect(connection.direct).toBe(true);
    expect(await end).toBe(1001);
    expect(messages).toEqual(['bye']);
    expect(connection.isEnded).toBe(true);
  });

  it('reads into the one shared buffer once direct, even a socket that was reading long messages into its own', async () => {
    // Each socket is switched to direct reads right after a long read as a stream (which puts it on buffers
    // of its own); the replies read after that must all land in the one shared buffer.
    const server = net.createServer((socket) => {
      socket.write(Buffer.alloc(1024 * 1024, 1));
      socket.on('data', () => socket.write(Buffer.alloc(10, 2)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peers.servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const port = (server.address() as net.AddressInfo).port;
    const replies: Buffer[] = [];
    const sockets = await Promise.all(
      [0, 1].map(async () => {
        const socket = net.connect({ host: '127.0.0.1', port, onread: largeReads() });
        let filler = 0;
        await new Promise<void>((resolve) => {
          const onData = (chunk: Buffer): void => {
            filler += chunk.length;
            if (chunk.length < HAND_OVER_BYTES) return;
            socket.off('data', onData);
            const direct = setReadSink(
              socket,
              (bytes) => {
                if (bytes[0] === 2) replies.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
                else filler += bytes.length;
              },
              { borrow: true },
            );
            expect(direct).toBe(true);
            resolve();
          };
          socket.on('data', onData);
        });
        await until(() => filler === 1024 * 1024, 'the 1 MiB filler');
        return socket;
      }),
    );
    for (const socket of sockets) socket.write('go');
    await until(() => replies.reduce((n, v) => n + v.length, 0) === 20, 'the 20 replies');
    expect(replies.every((view) => view.every((byte) => byte === 2))).toBe(true);
    expect(new Set(replies.map((view) => view.buffer)).size).toBe(1);
    for (const socket of sockets) socket.destroy();
  });

  it('leaves a socket that did not read through large reads as a stream', async () => {
    const server = net.createServer((socket) => socket.end('x'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peers.servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let direct = 0;
    expect(setReadSink(socket, () => direct++, { borrow: true })).toBe(false);
    const data = await new Promise<string>((resolve) => socket.on('data', (chunk) => resolve(chunk.toString())));
    expect(data).toBe('x');
    expect(direct).toBe(0);
    socket.destroy();
  });
});

function spec(url: string, overrides: Partial<WorkloadSpec>): WorkloadSpec {
  return benchSpec(url, { connections: 3, inflight: 2, ...overrides });
}

/** Echoes every message, but flips a byte of every 500th. */
function corruptEvery500(peer: WsPeer): void {
  let seen = 0;
  peer.on('message', (data: Buffer, isBinary) => {
    if (++seen % 500 === 0) {
      const bad = Buffer.from(data);
      bad[bad.length >> 1]! ^= 0x40;
      peer.send(bad, { binary: isBinary });
    } else peer.send(data, { binary: isBinary });
  });
}

describe('the same echo checks on both read paths', () => {
  let certs: TestCertificates;
  let https: Server;
  let plain: WsTestServer;
  const urls: Record<'ws' | 'wss', string> = { ws: '', wss: '' };

  beforeAll(async () => {
    certs = await makeTestCertificates();
    https = createServer({ cert: certs.certPem, key: certs.keyPem });
    new WebSocketServer({ server: https }).on('connection', (peer) => {
      peer.on('error', () => {});
      corruptEvery500(peer);
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    urls.wss = `wss://127.0.0.1:${(https.address() as net.AddressInfo).port}/`;
    plain = await startWsServer(corruptEvery500);
    urls.ws = plain.url;
  });

  afterAll(async () => {
    await plain?.close();
    https?.closeAllConnections();
    await new Promise((resolve) => https?.close(resolve));
    await certs?.remove();
  });

  const cases = [
    { scheme: 'ws', direct: true },
    { scheme: 'wss', direct: false },
  ] as const;

  for (const { scheme, direct } of cases) {
    it(`${scheme}: reads ${direct ? 'straight from the read buffer' : "as 'data' events"}, checks every echo of 1 B to 100 KiB (one in 500 corrupted) and catches each bad one`, async () => {
      const connect = { timeout: 5000, sslopt: { ca: certs.caPem } };
      const probe = await open(urls[scheme], connect);
      expect(probe.connection.direct).toBe(direct);
      probe.connection.destroy();
      await probe.end;
      // Sizes up to 100 KiB: messages that span reads, and reads long enough for the socket's own buffer.
      const result = await runWorkload(spec(urls[scheme], { connect, messages: 1500, sizes: { kind: 'range', min: 1, max: 100 * 1024 } }));
      expect(result.counts).toMatchObject({ sent: 1500, received: 1497, corrupted: 3, dropped: 0, unanswered: 0 });
      expect(result.latency.count).toBe(1497);
    });
  }
});
