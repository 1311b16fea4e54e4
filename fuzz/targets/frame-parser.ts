/**
 * FrameParser under hostile bytes: only Protocol (1002) / Payload (1009)
 * errors, no frame longer than maxPayload announced, control payloads whole
 * and at most 125 bytes, data pieces adding up to the announced length, the
 * same events and error under any chunking, a dead parser stays dead.
 */
import fc from 'fast-check';
import { WebSocketPayloadException, WebSocketProtocolException } from '../../src/exceptions.js';
import { FrameParser, type FrameParserOptions } from '../../src/frame/parser.js';
import { chunk, cutsArb, describeError, encodeRawFrame, ensure, fingerprint, hostileBytes, rawFrameArb, timed, type FuzzTarget } from '../support.js';

const optionsArb: fc.Arbitrary<FrameParserOptions> = fc.record({
  maxPayload: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(64 * 1024 * 1024), fc.constant(Infinity)),
  acceptMasked: fc.boolean(),
  allowedRsv: fc.integer({ min: 0, max: 7 }),
});

const streamArb = hostileBytes(fc.array(rawFrameArb, { maxLength: 6 }).map((frames) => Buffer.concat(frames.map(encodeRawFrame))));

/** Feeds `pieces` and returns the event log; every invariant is checked on the way. */
function run(pieces: Buffer[], options: FrameParserOptions): string[] {
  const log: string[] = [];
  let current: { control: boolean; length: number; seen: number; bytes: Buffer[] } | null = null;
  const parser = new FrameParser(
    {
      onHeader(h) {
        ensure(current === null, () => 'onHeader before the previous frame ended');
        ensure(h.payloadLength <= options.maxPayload!, () => `frame of ${h.payloadLength} bytes passed maxPayload ${options.maxPayload}`);
        ensure(h.masked ? options.acceptMasked === true : true, () => 'masked frame accepted without acceptMasked');
        const control = h.opcode >= 8;
        ensure(!control || (h.fin && h.payloadLength <= 125), () => `control frame fin=${h.fin} length=${h.payloadLength} accepted`);
        ensure([0, 1, 2, 8, 9, 10].includes(h.opcode), () => `reserved opcode ${h.opcode} accepted`);
        const rsv = (h.rsv1 ? 4 : 0) | (h.rsv2 ? 2 : 0) | (h.rsv3 ? 1 : 0);
        ensure((rsv & ~options.allowedRsv!) === 0, () => `rsv ${rsv} accepted with allowedRsv ${options.allowedRsv}`);
        log.push(`H ${h.fin ? 1 : 0}${rsv}${h.opcode.toString(16)}${h.masked ? 'm' : ''} ${h.payloadLength}`);
        current = { control, length: h.payloadLength, seen: 0, bytes: [] };
      },
      onPayload(piece, frameEnd) {
        ensure(current !== null, () => 'onPayload without a header');
        const frame = current;
        ensure(!frame.control || (frameEnd && piece.length === frame.length), () => 'control payload not delivered whole');
        frame.seen += piece.length;
        ensure(frame.seen <= frame.length, () => `payload pieces of ${frame.seen} bytes for a frame of ${frame.length}`);
        ensure(frameEnd === (frame.seen === frame.length), () => `frameEnd=${frameEnd} after ${frame.seen} of ${frame.length} bytes`);
        frame.bytes.push(Buffer.from(piece));
        if (frameEnd) {
          log.push(`P ${fingerprint(Buffer.concat(frame.bytes))}`);
          current = null;
        }
      },
    },
    options,
  );
  for (const piece of pieces) {
    try {
      parser.push(piece);
    } catch (error) {
      const shown = describeError(error, [WebSocketProtocolException, WebSocketPayloadException], 'FrameParser.push');
      const code = (error as { closeCode?: number }).closeCode;
      const expectedCode = error instanceof WebSocketProtocolException ? 1002 : 1009;
      ensure(code === expectedCode, () => `${shown}: expected closeCode ${expectedCode}`);
      // A dead parser throws the same error again and reads nothing more.
      let again: unknown = null;
      try {
        parser.push(Buffer.of(0x81, 0x00));
      } catch (later) {
        again = later;
      }
      ensure(again === error, () => 'a failed parser accepted more bytes or threw another error');
      log.push(`E ${shown}`);
      return log;
    }
  }
  if (current !== null) {
    const frame: { seen: number; bytes: Buffer[] } = current;
    log.push(`partial ${fingerprint(Buffer.concat(frame.bytes))}`);
  }
  return log;
}

export const frameParserTarget: FuzzTarget = {
  name: 'frame-parser',
  what: 'FrameParser.push: structured frames (lengths up to 2^64-1, masks, rsv, reserved opcodes), mutated, chunked',
  property: fc.property(streamArb, cutsArb, optionsArb, (bytes, cuts, options) => {
    const whole = timed('FrameParser (one chunk)', () => run([Buffer.from(bytes)], options));
    const pieces = timed('FrameParser (chunked)', () => run(chunk(bytes, cuts), options));
    ensure(JSON.stringify(whole) === JSON.stringify(pieces), () => `chunking changed the result:\n${whole.join('\n')}\n---\n${pieces.join('\n')}`);
  }),
};
