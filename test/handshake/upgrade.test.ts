import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketBadStatusException, WebSocketException, WebSocketTimeoutException } from '../../src/exceptions.js';
import type { Step } from '../../src/handshake/machine.js';
import { computeAcceptKey } from '../../src/handshake/request.js';
import { BODY_READ_MS, UpgradeHandshake, type UpgradeOutcome } from '../../src/handshake/upgrade.js';

const key = 'dGhlIHNhbXBsZSBub25jZQ==';
const request = Buffer.from('GET / HTTP/1.1\r\n\r\n');

function handshake(): UpgradeHandshake {
  return new UpgradeHandshake({ request, key, subprotocols: ['chat'], url: 'ws://example.com/a', peer: 'example.com:80' });
}

const switching = (extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n${extra}\r\n`;

/** Feeds `input` cut at `cuts`; returns the first step that is not a wait, with the input left unfed. */
function feed(machine: UpgradeHandshake, input: Buffer, cuts: number[]): { step: Step<UpgradeOutcome>; unfed: Buffer } {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length];
  let step: Step<UpgradeOutcome> = { kind: 'wait' };
  for (let i = 0; i + 1 < bounds.length; i++) {
    step = machine.feed(input.subarray(bounds[i], bounds[i + 1]));
    if (step.kind !== 'wait') return { step, unfed: input.subarray(bounds[i + 1]) };
  }
  return { step, unfed: Buffer.alloc(0) };
}

function thrown(run: () => unknown): WebSocketException {
  try {
    run();
  } catch (error) {
    return error as WebSocketException;
  }
  throw new Error('expected a throw');
}

describe('UpgradeHandshake', () => {
  it('sends the request it was given', () => {
    expect(handshake().start()).toBe(request);
  });

  it('opens on a valid 101 however the bytes are cut, keeping the bytes behind it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(400)), (frames, cuts) => {
        const input = Buffer.concat([Buffer.from(switching('Sec-WebSocket-Protocol: chat\r\n'), 'latin1'), frames]);
        const { step, unfed } = feed(handshake(), input, cuts);
        expect(step.kind).toBe('done');
        const value = (step as Extract<Step<UpgradeOutcome>, { kind: 'done' }>).value;
        if (value.kind !== 'open') throw new Error('expected open');
        expect(value.subprotocol).toBe('chat');
        expect(Buffer.concat([value.rest, unfed]).equals(Buffer.from(frames))).toBe(true);
      }),
    );
  });

  it('refuses a 101 that breaks RFC 6455 §4.1 with its code', () => {
    const bad = switching().replace(computeAcceptKey(key), 'AAAA');
    expect(thrown(() => handshake().feed(Buffer.from(bad)))).toMatchObject({ code: 'WS_ERR_INVALID_HANDSHAKE_RESPONSE' });
  });

  it('reports a refusal with its whole Content-Length body, however cut', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(120)), (cuts) => {
        const input = Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nno access');
        const error = thrown(() => feed(handshake(), input, cuts)) as WebSocketBadStatusException;
        expect(error).toBeInstanceOf(WebSocketBadStatusException);
        expect(error).toMatchObject({ code: 'WS_ERR_BAD_STATUS', statusCode: 403 });
        expect(error.respBody?.toString()).toBe('no access');
      }),
    );
  });

  it('waits for a body without framing at most BODY_READ_MS, then reports what came', () => {
    const machine = handshake();
    expect(machine.feed(Buffer.from('HTTP/1.1 500 Oops\r\n\r\npart'))).toEqual({ kind: 'wait', patience: BODY_READ_MS });
    expect(machine.feed(Buffer.from(' two'))).toEqual({ kind: 'wait' });
    const error = thrown(() => machine.end()) as WebSocketBadStatusException;
    expect(error).toMatchObject({ code: 'WS_ERR_BAD_STATUS', statusCode: 500 });
    expect(error.respBody?.toString()).toBe('part two');
  });

  it('at the deadline, reports a refusal whose body is still coming, and passes other reasons on', () => {
    const reading = handshake();
    reading.feed(Buffer.from('HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\nwait'));
    const late = new WebSocketTimeoutException('late');
    expect(thrown(() => reading.abort(late))).toMatchObject({ code: 'WS_ERR_BAD_STATUS', statusCode: 503 });
    const cancelled = new WebSocketException('stop');
    expect(thrown(() => reading.abort(cancelled))).toBe(cancelled);
    expect(thrown(() => handshake().abort(late))).toBe(late);
  });

  it('ends on a redirect with its target', () => {
    const { step } = feed(handshake(), Buffer.from('HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\n'), []);
    expect(step).toMatchObject({ kind: 'done', value: { kind: 'redirect', target: { url: 'ws://example.com/b', sameOrigin: true } } });
  });

  it('a close before the head says how many bytes came', () => {
    const machine = handshake();
    machine.feed(Buffer.from('HTTP/1.1 101 Sw'));
    const error = thrown(() => machine.end());
    expect(error).toMatchObject({ code: 'WS_ERR_CLOSED_DURING_HANDSHAKE', name: 'WebSocketConnectionClosedException' });
    expect(error.message).toBe(
      'connection closed by example.com:80 during the opening handshake after 15 bytes: expected an HTTP/1.1 101 response',
    );
  });
});
