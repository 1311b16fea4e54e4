import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket as WsPeer } from 'ws';
import { runWorkload, type WorkloadSpec } from '../../src/bench/workload.js';
import { benchSpec } from '../helpers/bench-spec.js';
import { until } from '../helpers/fake-clock.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

let server: WsTestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function spec(url: string, overrides: Partial<WorkloadSpec>): WorkloadSpec {
  return benchSpec(url, { connections: 4, inflight: 1, ...overrides });
}

describe('closed loop', () => {
  it('sends exactly --messages, gets every echo back intact, and measures each round trip', async () => {
    server = await startWsServer();
    const result = await runWorkload(spec(server.url, { connections: 5, inflight: 3, messages: 1003, sizes: { kind: 'range', min: 1, max: 3000 } }));
    expect(result.counts).toMatchObject({ sent: 1003, received: 1003, corrupted: 0, dropped: 0, unanswered: 0, connectionsOpened: 5 });
    expect(result.latency.count).toBe(1003);
    expect(result.connectLatency.count).toBe(5);
    expect(result.counts.payloadBytesReceived).toBe(result.counts.payloadBytesSent);
    expect(result.counts.wireBytesSent).toBeGreaterThan(result.counts.payloadBytesSent);
    expect(result.errorTotal).toBe(0);
  });

  it('records each round trip once: the timeline holds every echo, the run histogram those after the warm-up', async () => {
    server = await startWsServer();
    const result = await runWorkload(spec(server.url, { connections: 4, warmupMs: 1200, durationMs: 1000 }));
    const timelineReceived = result.timeline.reduce((n, second) => n + second.received, 0);
    const timelineLatencies = result.timeline.reduce((n, second) => n + second.latency.count, 0);
    expect(result.counts.received).toBeGreaterThan(0);
    expect(timelineReceived).toBeGreaterThan(result.counts.received); // echoes of warm-up messages
    for (const second of result.timeline) expect(second.latency.count).toBe(second.received);
    expect(timelineLatencies).toBe(timelineReceived);
    expect(result.latency.count).toBe(result.counts.received);
    expect(result.latency.max).toBeLessThanOrEqual(Math.max(...result.timeline.map((second) => second.latency.max)));
  });

  it('reports every second to its listener, a second in which nothing came or went as an empty one', async () => {
    // The server holds its 50th echo for 2.5 s: with one message in flight, at least one whole second passes silent.
    let seen = 0;
    server = await startWsServer((peer: WsPeer) => {
      peer.on('message', (data: Buffer, isBinary) => {
        const send = () => peer.send(data, { binary: isBinary });
        if (++seen === 50) setTimeout(send, 2500);
        else send();
      });
    });
    const reported: number[] = [];
    const result = await runWorkload(spec(server.url, { connections: 1, durationMs: 3500 }), (index, run) => {
      reported.push(run.timeline[index]!.received);
    });
    expect(reported).toHaveLength(result.timeline.length);
    expect(reported).toContain(0);
    expect(result.counts).toMatchObject({ corrupted: 0, dropped: 0 });
  });

  it('checks text echoes too, with fragmentation', async () => {
    server = await startWsServer();
    const result = await runWorkload(spec(server.url, { messages: 200, text: true, sizes: { kind: 'choice', sizes: [5, 100, 1000] }, connect: { timeout: 5000, fragmentSize: 64 } }));
    expect(result.counts).toMatchObject({ sent: 200, received: 200, corrupted: 0 });
  });
});

describe('checksum detection', () => {
  it('reports a server that corrupts one message in 10,000', async () => {
    let seen = 0;
    server = await startWsServer((peer: WsPeer) => {
      peer.on('message', (data: Buffer, isBinary) => {
        seen++;
        if (seen % 10_000 === 5_000) {
          const bad = Buffer.from(data);
          bad[bad.length - 1] ^= 0x01;
          peer.send(bad, { binary: isBinary });
        } else peer.send(data, { binary: isBinary });
      });
    });
    const result = await runWorkload(spec(server.url, { connections: 10, inflight: 4, messages: 20_000 }));
    expect(result.counts.corrupted).toBe(2);
    expect(result.counts.received).toBe(19_998);
    expect(result.errorTotal).toBe(2);
  });

  it('tells a dropped echo from a corrupted one', async () => {
    let seen = 0;
    server = await startWsServer((peer: WsPeer) => {
      peer.on('message', (data: Buffer, isBinary) => {
        seen++;
        if (seen !== 50) peer.send(data, { binary: isBinary });
      });
    });
    const result = await runWorkload(spec(server.url, { connections: 1, inflight: 4, messages: 200 }));
    expect(result.counts).toMatchObject({ dropped: 1, corrupted: 0, received: 199 });
  });
});

describe('duplicates', () => {
  it('counts a duplicated echo as unexpected without shifting the check of the ones after it', async () => {
    let seen = 0;
    server = await startWsServer((peer: WsPeer) => {
      peer.on('message', (data: Buffer, isBinary) => {
        peer.send(data, { binary: isBinary });
        if (++seen === 30) peer.send(data, { binary: isBinary });
      });
    });
    const result = await runWorkload(spec(server.url, { connections: 1, inflight: 3, messages: 100 }));
    expect(result.counts).toMatchObject({ unexpected: 1, corrupted: 0, dropped: 0, received: 100 });
  });
});

describe('open loop', () => {
  it('shows a 1 s server stall in the percentiles, which a closed loop hides', async () => {
    // The server stops answering for 1 s after its 200th message, then answers everything it holds.
    const stalled = async (loop: Partial<WorkloadSpec>) => {
      let seen = 0;
      let stalled = false;
      const held: Array<() => void> = [];
      server = await startWsServer((peer: WsPeer) => {
        peer.on('message', (data: Buffer, isBinary) => {
          seen++;
          if (seen === 200) {
            stalled = true;
            setTimeout(() => {
              stalled = false;
              held.splice(0).forEach((send) => send());
            }, 1000);
          }
          const send = () => peer.send(data, { binary: isBinary });
          if (stalled) held.push(send);
          else send();
        });
      });
      const result = await runWorkload(spec(server.url, { connections: 1, durationMs: 3000, ...loop }));
      await server.close();
      server = null;
      return result;
    };
    const open = await stalled({ rate: 200 });
    // About a third of the messages were due during the stall: p99 sees it.
    expect(open.counts.corrupted + open.counts.dropped).toBe(0);
    expect(open.latency.percentile(99)).toBeGreaterThanOrEqual(500_000);
    expect(open.latency.percentile(90)).toBeGreaterThanOrEqual(200_000);
    const closed = await stalled({ rate: null, inflight: 1 });
    // One message waited 1 s; the hundreds of others did not (bound loose for a loaded machine).
    expect(closed.latency.max).toBeGreaterThanOrEqual(900_000);
    expect(closed.latency.percentile(99)).toBeLessThan(400_000);
  });

  it('sends at the rate asked for, whatever the server does', async () => {
    server = await startWsServer();
    const result = await runWorkload(spec(server.url, { connections: 4, rate: 400, durationMs: 1500, warmupMs: 200 }));
    // 400/s for 1.5 s = 600, give or take the timer's granularity.
    expect(result.counts.sent).toBeGreaterThan(500);
    expect(result.counts.sent).toBeLessThan(700);
    expect(result.counts.received).toBe(result.counts.sent);
  });
});

describe('send-only and receive-only', () => {
  it('send-only counts what the server consumed', async () => {
    let consumed = 0;
    server = await startWsServer((peer: WsPeer) => peer.on('message', () => consumed++));
    const result = await runWorkload(spec(server.url, { mode: 'send-only', messages: 5000, sizes: { kind: 'fixed', size: 100 } }));
    expect(result.counts.sent).toBe(5000);
    await until(() => consumed >= 5000, 'the server to consume the 5000 messages');
    expect(consumed).toBe(5000);
  });

  it('receive-only sends the start message and counts the pushes', async () => {
    server = await startWsServer((peer: WsPeer) =>
      peer.on('message', (data) => {
        if (String(data) === 'go') for (let i = 0; i < 100; i++) peer.send(Buffer.alloc(50));
      }),
    );
    const result = await runWorkload(spec(server.url, { mode: 'receive-only', startMessage: 'go', connections: 3, durationMs: 500 }));
    expect(result.counts.received).toBe(300);
    expect(result.errorTotal).toBe(0);
    expect(result.counts.payloadBytesReceived).toBe(15_000);
  });
});

describe('errors and connection options', () => {
  it('counts the echoes that never came as unanswered and ends after --drain', async () => {
    server = await startWsServer(() => {});
    const began = Date.now();
    const result = await runWorkload(spec(server.url, { connections: 3, inflight: 2, durationMs: 300, drainMs: 300 }));
    expect(Date.now() - began).toBeLessThan(5000);
    expect(result.counts).toMatchObject({ sent: 6, received: 0, unanswered: 6 });
    expect(result.errorTotal).toBe(6);
  });

  it('ends a run of --messages when the server stays silent for --drain', async () => {
    let seen = 0;
    server = await startWsServer((peer: WsPeer) =>
      peer.on('message', (data: Buffer, isBinary) => {
        if (++seen <= 10) peer.send(data, { binary: isBinary });
      }),
    );
    const result = await runWorkload(spec(server.url, { connections: 1, inflight: 1, messages: 100, drainMs: 300 }));
    expect(result.counts).toMatchObject({ sent: 11, received: 10, unanswered: 1 });
  });

  it('counts closes the server started by close code, and what they left unanswered', async () => {
    let seen = 0;
    server = await startWsServer((peer: WsPeer) =>
      peer.on('message', (data: Buffer, isBinary) => {
        if (++seen === 100) peer.close(1011, 'overloaded');
        else peer.send(data, { binary: isBinary });
      }),
    );
    const result = await runWorkload(spec(server.url, { connections: 1, inflight: 1, messages: 500 }));
    expect(result.closeCodes).toEqual({ 1011: 1 });
    expect(result.counts).toMatchObject({ received: 99, unanswered: 1 });
    // The close (not 1000 or 1001) and the message it left unanswered.
    expect(result.errorTotal).toBe(2);
  });

  it('counts connections that fail to open by exception class', async () => {
    server = await startWsServer(() => {}, { verifyClient: () => false });
    const result = await runWorkload(spec(server.url, { connections: 2, messages: 10 }));
    expect(result.counts).toMatchObject({ connectionsOpened: 0, connectionsFailed: 2 });
    expect(result.errors).toEqual({ 'WebSocketBadStatusException (WS_ERR_BAD_STATUS)': 2 });
  });

  it('offers permessage-deflate: compressible messages take fewer bytes on the wire than their payload', async () => {
    server = await startWsServer(undefined, { perMessageDeflate: { threshold: 0 } });
    const result = await runWorkload(spec(server.url, { connections: 2, messages: 100, sizes: { kind: 'fixed', size: 4096 }, connect: { timeout: 5000, perMessageDeflate: true } }));
    expect(result.counts).toMatchObject({ received: 100, corrupted: 0 });
    expect(result.counts.wireBytesSent).toBeLessThan(result.counts.payloadBytesSent / 4);
  });

  it('sends a payload file as every message and checks its echoes', async () => {
    server = await startWsServer();
    const payload = Buffer.from(JSON.stringify({ op: 'quote', symbols: ['A', 'B'], pad: 'x'.repeat(300) }));
    const result = await runWorkload(spec(server.url, { messages: 50, payload, text: true }));
    expect(result.counts).toMatchObject({ received: 50, corrupted: 0, payloadBytesReceived: 50 * payload.length });
  });

  it('opens connections at --connect-rate', async () => {
    const arrivals: number[] = [];
    server = await startWsServer((peer: WsPeer) => {
      arrivals.push(performance.now());
      peer.on('message', (data: Buffer, isBinary) => peer.send(data, { binary: isBinary }));
    });
    const result = await runWorkload(spec(server.url, { connections: 5, connectRate: 10, messages: 5 }));
    expect(result.counts.connectionsOpened).toBe(5);
    // Five connections at 10/s: the last one starts 0.4 s after the first (timers never fire early).
    expect(arrivals).toHaveLength(5);
    expect(arrivals[4]! - arrivals[0]!).toBeGreaterThanOrEqual(300);
  });
});
