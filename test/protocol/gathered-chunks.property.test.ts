/**
 * ClientSession.receive() returns true for a chunk it copied whole (all of it
 * payload of a message being gathered): the caller may then read into the
 * same memory again. Property: overwriting every chunk for which it said so,
 * right after the call, changes no message, frame or fragment delivered, in
 * any delivery mode, under any chunking; and it does say so for the middle
 * chunks of a message that spans several.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientSession, type SessionOptions } from '../../src/protocol/session.js';
import type { Received } from '../../src/protocol/received.js';
import { BINARY, CONT, Recorder, TEXT, chunksAt, frame } from './helpers.js';

/** Records what the session delivers by reference (no copies), to be compared once everything was fed. */
class KeepingRecorder extends Recorder {
  readonly kept: Array<string | Buffer> = [];

  override onText(text: string): void {
    this.kept.push(text);
  }
  override onBinary(data: Buffer): void {
    this.kept.push(data);
  }
  override onFragment(f: Received<Buffer>): void {
    this.kept.push(f.data);
  }
  override onFrame(f: Received<Buffer>): void {
    this.kept.push(f.data);
  }
}

/** Feed `stream` cut at `cuts`; every chunk the session says it copied is overwritten at once. */
function feedScribbling(stream: Buffer, cuts: readonly number[], options?: SessionOptions) {
  const recorder = new KeepingRecorder();
  const session = new ClientSession(recorder, options);
  const copiedChunks: number[] = [];
  let fed = 0;
  for (const chunk of chunksAt(stream, cuts)) {
    const own = Buffer.from(chunk);
    if (session.receive(own)) {
      own.fill(0xee);
      copiedChunks.push(fed);
    }
    fed += chunk.length;
  }
  return { recorder, copiedChunks };
}

/** A message of `bytes`: one frame, or fragmented at `cut` when `fragmented`. */
function messageFrames(opcode: number, bytes: Buffer, fragmented: boolean, cut: number): Buffer[] {
  if (!fragmented) return [frame(opcode, bytes)];
  const at = cut % (bytes.length + 1);
  return [frame(opcode, bytes.subarray(0, at), { fin: false }), frame(CONT, bytes.subarray(at))];
}

const messageArb = fc.record({
  text: fc.boolean(),
  // ASCII for text (any cut is a character boundary), any bytes for binary.
  size: fc.integer({ min: 0, max: 3000 }),
  seed: fc.nat(),
  fragmented: fc.boolean(),
  cut: fc.nat(),
});

const modeArb = fc.constantFrom<SessionOptions>({}, { fireContFrame: true }, { rawFrames: true }, { ownsChunks: true });

describe('session: chunks copied whole may be reused by the caller', () => {
  it('overwriting every chunk receive() called copied changes nothing delivered, in any mode and chunking', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 40 }), modeArb, fc.boolean(), (messages, seeds, options, atBoundaries) => {
        const frames: Buffer[] = [];
        const expected: Array<string | Buffer> = [];
        // Where each frame's header ends and where the frame ends: a chunk that is exactly one payload is the case to get right.
        const boundaries: number[] = [];
        let offset = 0;
        for (const m of messages) {
          const bytes = Buffer.alloc(m.size);
          for (let i = 0; i < m.size; i++) bytes[i] = m.text ? 0x20 + ((m.seed + i) % 95) : (m.seed + i * 7) & 0xff;
          const parts = messageFrames(m.text ? TEXT : BINARY, bytes, m.fragmented, m.cut);
          for (const part of parts) {
            const payloadLength = m.fragmented ? (part === parts[0] ? m.cut % (bytes.length + 1) : bytes.length - (m.cut % (bytes.length + 1))) : bytes.length;
            boundaries.push(offset + part.length - payloadLength, offset + part.length);
            offset += part.length;
          }
          frames.push(...parts);
          if (options.rawFrames === true || (options.fireContFrame === true && m.fragmented)) {
            const at = m.cut % (bytes.length + 1);
            const pieces = m.fragmented ? [bytes.subarray(0, at), bytes.subarray(at)] : [bytes];
            expected.push(...pieces.map((piece) => Buffer.from(piece)));
          } else {
            expected.push(m.text ? bytes.toString('latin1') : Buffer.from(bytes));
          }
        }
        const stream = Buffer.concat(frames);
        const cuts = [...seeds.map((s) => s % (stream.length + 1)), ...(atBoundaries ? boundaries : [])];
        const { recorder } = feedScribbling(stream, cuts, options);
        expect(recorder.failures).toEqual([]);
        expect(recorder.kept.map((k) => (typeof k === 'string' ? k : k.toString('hex')))).toEqual(
          expected.map((e) => (typeof e === 'string' ? e : e.toString('hex'))),
        );
      }),
    );
  });

  it('says so for the chunks inside a message that spans several, and not for the first, nor for a chunk holding a frame header', () => {
    const bytes = Buffer.alloc(10_000, 0x61);
    const stream = Buffer.concat([frame(TEXT, bytes), frame(BINARY, Buffer.from([1, 2, 3]))]);
    const header = stream.length - 3 - 2 - bytes.length;
    // Chunks: header + 1000 bytes, then 1000-byte chunks to the end of the text payload, then the binary frame.
    const cuts: number[] = [];
    for (let at = header + 1000; at < header + bytes.length; at += 1000) cuts.push(at);
    cuts.push(header + bytes.length);
    const { recorder, copiedChunks } = feedScribbling(stream, cuts);
    expect(recorder.kept).toEqual([bytes.toString('latin1'), Buffer.from([1, 2, 3])]);
    // Every chunk after the first and up to the end of the text, not the first (it has the header) nor the binary frame.
    expect(copiedChunks).toEqual(cuts.slice(0, -1));
  });

  it('does not say so while paused: the chunk is held as it came', () => {
    const bytes = Buffer.alloc(4000, 0x62);
    const stream = Buffer.concat([frame(TEXT, bytes), frame(TEXT, 'after')]);
    const recorder = new KeepingRecorder();
    const session = new ClientSession(recorder);
    const first = stream.subarray(0, 1000);
    expect(session.receive(Buffer.from(first))).toBe(false);
    session.pause();
    const middle = Buffer.from(stream.subarray(1000, 2000));
    expect(session.receive(middle)).toBe(false);
    session.resume();
    expect(session.receive(Buffer.from(stream.subarray(2000)))).toBe(false);
    expect(recorder.kept).toEqual([bytes.toString('latin1'), 'after']);
  });
});
