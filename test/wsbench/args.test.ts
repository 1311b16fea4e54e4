import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs, parseDuration, parseRateTarget, type BenchArgs } from '../../src/bench/args.js';
import { EchoDigest, MessageFactory, checksumBytes, checksumString, parseSizeSpec, readStamp } from '../../src/bench/payload.js';

function run(argv: string[]): BenchArgs {
  const command = parseBenchArgs(argv);
  if (command.kind !== 'run') throw new Error(`expected a run command, got ${command.kind}`);
  return command.args;
}

describe('parseBenchArgs', () => {
  it('has defaults with just a URL: closed loop, 10 connections, 1 in flight, 20 B binary, 10 s', () => {
    expect(run(['ws://h/'])).toMatchObject({
      url: 'ws://h/', connections: 10, inflight: 1, rate: null, durationMs: 10_000, messages: null, sizes: { kind: 'fixed', size: 20 }, text: false, mode: 'echo',
    });
  });

  it('reads the load, connection and output flags, short and long, with = or a separate value', () => {
    const args = run([
      '-c', '100', '--inflight=4', '-r', '5000', '-d', '1m', '--warmup', '500ms', '--connect-rate', '50', '-s', '16-4k', '--text',
      '--fragment', '1k', '-w', '3', '-H', 'Authorization: Bearer x', '--subprotocol', 'chat', '--deflate', '-k', '-p', 'socks5://127.0.0.1:1080',
      '--json', 'out.json', '--html=r.html', '--compare', 'base.json', 'wss://h/p',
    ]);
    expect(args).toMatchObject({
      url: 'wss://h/p', connections: 100, inflight: 4, rate: 5000, durationMs: 60_000, warmupMs: 500, connectRate: 50,
      sizes: { kind: 'range', min: 16, max: 4096 }, text: true, fragment: 1024, workers: 3, headers: ['Authorization: Bearer x'],
      subprotocols: ['chat'], deflate: true, insecure: true, proxy: 'socks5://127.0.0.1:1080', json: 'out.json', html: 'r.html', compare: 'base.json',
    });
    expect(run(['ws://h', '-n', '1000']).durationMs).toBeNull();
  });

  it('reads a rate search target', () => {
    expect(run(['ws://h', '--rate', '@P99<50ms']).rateSearch).toEqual({ percentile: 99, limitUs: 50_000 });
    expect(parseRateTarget('@p99.9<1s')).toEqual({ percentile: 99.9, limitUs: 1_000_000 });
  });

  it('parses merge with its outputs', () => {
    expect(parseBenchArgs(['merge', 'a.json', 'b.json', '--json', 'all.json'])).toEqual({ kind: 'merge', files: ['a.json', 'b.json'], json: 'all.json', html: null, compare: null });
  });

  it.each([
    [['ws://h', '-c', '0'], /-c: expected an integer >= 1, got '0'/],
    [['ws://h', '-d', 'soon'], /-d: expected a duration such as 10s, 500ms or 1m, got 'soon'/],
    [['ws://h', '-s', '10-5'], /--size: expected a range MIN-MAX with MIN <= MAX, got '10-5'/],
    [['ws://h', '-s', '3 parsecs'], /--size: expected a byte count such as 20, 4k or 1MiB, got '3 parsecs'/],
    [['ws://h', '--rate', '@P200<1s'], /--rate: expected a percentile in 0-100, got '200'/],
    [['ws://h', '--rate', 'fast'], /--rate: expected a number > 0, got 'fast'/],
    [['ws://h', '-H', 'no colon'], /-H: expected 'Name: value', got 'no colon'/],
    [['ws://h', '--text=yes'], /--text: expected no value, got 'yes'/],
    [['ws://h', '--bogus'], /unknown option '--bogus'/],
    [['ws://h', 'ws://i'], /expected one URL, got 2/],
    [[], /expected a URL \(ws:\/\/… or wss:\/\/…\), got none/],
    [['merge'], /merge: expected at least one result file, got none/],
    [['ws://h', '--start-message', 'go'], /--start-message: expected --receive-only with it/],
    [['ws://h', '--send-only', '--rate', '@P99<1s'], /expected an echo workload/],
    [['ws://h', '-c'], /-c: expected a value, got nothing/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('reads durations in ms, s, m, h and bare seconds', () => {
    expect([parseDuration('-d', '250ms'), parseDuration('-d', '2'), parseDuration('-d', '1.5s'), parseDuration('-d', '2m'), parseDuration('-d', '1h')]).toEqual([250, 2000, 1500, 120_000, 3_600_000]);
  });
});

describe('payload', () => {
  it('reads sizes: fixed, units, ranges, lists', () => {
    expect(parseSizeSpec('20')).toEqual({ kind: 'fixed', size: 20 });
    expect(parseSizeSpec('1MiB')).toEqual({ kind: 'fixed', size: 1024 * 1024 });
    expect(parseSizeSpec('20,100,1k')).toEqual({ kind: 'choice', sizes: [20, 100, 1024] });
  });

  it('makes messages of the sizes asked for, stamped in sequence, whose checksum is that of their content', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), fc.boolean(), (a, b, text) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const factory = new MessageFactory({ kind: 'range', min, max }, text, null);
        for (let seq = 0; seq < 3; seq++) {
          const message = factory.next();
          expect(message.length).toBeGreaterThanOrEqual(min);
          expect(message.length).toBeLessThanOrEqual(max);
          expect(message.data.length).toBe(message.length);
          const bytes = typeof message.data === 'string' ? Buffer.from(message.data, 'latin1') : message.data;
          expect(message.checksum).toBe(checksumBytes(bytes));
          if (typeof message.data === 'string') expect(message.checksum).toBe(checksumString(message.data));
          expect(readStamp(message.data)).toBe(message.length >= 8 ? seq : -1);
        }
      }),
    );
  });

  it('checksums messages around and above the size where its tables end, and short ones after stamped ones', () => {
    for (const size of [65535, 65536, 65537, 70000]) {
      for (const text of [false, true]) {
        const factory = new MessageFactory({ kind: 'fixed', size }, text, null);
        for (let seq = 0; seq < 2; seq++) {
          const message = factory.next();
          const bytes = typeof message.data === 'string' ? Buffer.from(message.data, 'latin1') : message.data;
          expect(bytes.length).toBe(size);
          expect(message.checksum).toBe(checksumBytes(bytes));
          expect(readStamp(message.data)).toBe(seq);
        }
      }
    }
    const sizes = [20, 3, 20, 5];
    let next = 0;
    const mixed = new MessageFactory({ kind: 'choice', sizes }, false, null, () => next++ / sizes.length);
    for (const size of sizes) {
      const message = mixed.next();
      expect(message.length).toBe(size);
      expect(message.checksum).toBe(checksumBytes(message.data as Buffer));
      if (size < 8) expect(Buffer.from(message.data as Buffer).toString('latin1')).toBe('abcdefgh'.slice(0, size));
    }
  });

  it('reads back any 32-bit stamp, and none from bytes that are not 8 hex digits', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.string({ maxLength: 20 }), (seq, tail) => {
        const stamped = seq.toString(16).padStart(8, '0') + tail;
        expect(readStamp(stamped)).toBe(seq);
        expect(readStamp(Buffer.from(stamped, 'latin1'))).toBe(seq);
      }),
    );
    expect(readStamp('0000000g-rest')).toBe(-1);
    expect(readStamp('ABCDEF01')).toBe(-1);
    expect(readStamp(Buffer.from('1234567'))).toBe(-1);
  });

  it('reads the stamp and the checksum of an echo as readStamp and the checksums do', () => {
    const digest = new EchoDigest();
    // Stamped or not, hex digits of either case, bytes of any value, strings of any code unit.
    const head = fc.oneof(fc.nat({ max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0')), fc.array(fc.constantFrom(...'0123456789abcdefABCDEFg'), { maxLength: 9 }).map((digits) => digits.join('')));
    fc.assert(
      fc.property(head, fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), (start, bytes, text) => {
        const binary = Buffer.concat([Buffer.from(start, 'latin1'), bytes]);
        digest.read(binary);
        expect([digest.stamp, digest.checksum]).toEqual([readStamp(binary), checksumBytes(binary)]);
        const string = start + text;
        digest.read(string);
        expect([digest.stamp, digest.checksum]).toEqual([readStamp(string), checksumString(string)]);
      }),
    );
  });

  it('sends a payload file as it is', () => {
    const file = Buffer.from('{"hello":"wörld"}');
    const binary = new MessageFactory({ kind: 'fixed', size: 20 }, false, file).next();
    expect(binary.data).toBe(file);
    const text = new MessageFactory({ kind: 'fixed', size: 20 }, true, file).next();
    expect(text.data).toBe('{"hello":"wörld"}');
    expect(text.seq).toBe(-1);
  });

  it('the checksum catches any single changed byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, at, flip) => {
        const changed = Uint8Array.from(data);
        changed[at % data.length] ^= flip;
        expect(checksumBytes(changed)).not.toBe(checksumBytes(data));
      }),
    );
  });
});
