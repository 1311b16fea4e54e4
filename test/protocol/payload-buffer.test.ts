import { describe, expect, it } from 'vitest';
import { PayloadBuffer } from '../../src/protocol/payload-buffer.js';

const bytes = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff));

/** Collect `data` in two appends, announcing the rest after the first, and take it. */
function collect(payload: PayloadBuffer, data: Buffer): Buffer {
  const half = data.length >> 1;
  payload.append(data, 0, half, data.length - half);
  payload.append(data, half, data.length, 0);
  return payload.take();
}

describe('PayloadBuffer', () => {
  it('collects pieces into one buffer sized from what was announced', () => {
    const payload = new PayloadBuffer(1 << 20);
    const data = bytes(100_000, 1);
    const taken = collect(payload, data);
    expect(taken).toEqual(data);
    expect(taken.buffer.byteLength).toBe(100_000);
    expect([payload.length, payload.held]).toEqual([0, 0]);
  });

  it('fills a buffer given back by reuse() for the next message of about its size, with the new bytes', () => {
    const payload = new PayloadBuffer(1 << 20);
    const first = collect(payload, bytes(100_000, 1));
    payload.reuse(first);
    expect(payload.held).toBe(100_000);
    const second = collect(payload, bytes(60_000, 2));
    expect(second.buffer).toBe(first.buffer);
    expect(second).toEqual(bytes(60_000, 2));
    expect(payload.held).toBe(0);
  });

  it('drops the spare instead for a message under half its size or over it, holding one buffer at a time', () => {
    for (const size of [40_000, 100_001]) {
      const payload = new PayloadBuffer(1 << 20);
      const first = collect(payload, bytes(100_000, 1));
      payload.reuse(first);
      payload.append(bytes(size, 3), 0, 10, size - 10);
      expect(payload.held).toBe(size);
      payload.append(bytes(size, 3), 10, size, 0);
      const second = payload.take();
      expect(second.buffer).not.toBe(first.buffer);
      expect(second).toEqual(bytes(size, 3));
    }
  });

  it('keeps no spare from small (pooled) buffers, and none after dropSpare()', () => {
    const payload = new PayloadBuffer(1 << 20);
    payload.reuse(collect(payload, bytes(1000, 1)));
    expect(payload.held).toBe(0);
    payload.reuse(collect(payload, bytes(100_000, 1)));
    payload.dropSpare();
    expect(payload.held).toBe(0);
    expect(collect(payload, bytes(100_000, 4))).toEqual(bytes(100_000, 4));
  });
});
