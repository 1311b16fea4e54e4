import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_SECONDS, UsageError, parseArgs, parseHeaders, type WsdumpArgs } from '../../src/cli/args.js';

function run(argv: string[]): WsdumpArgs {
  const command = parseArgs(argv);
  if (command.kind !== 'run') throw new Error(`expected a run command, got ${command.kind}`);
  return command.args;
}

describe('parseArgs', () => {
  it('has websocket-client defaults with just a URL', () => {
    expect(run(['ws://h/p'])).toEqual({
      url: 'ws://h/p',
      verbose: 0,
      nocert: false,
      raw: false,
      subprotocols: [],
      eofWait: 0,
      timings: false,
      headers: [],
      timeout: DEFAULT_TIMEOUT_SECONDS,
    });
  });

  it('reads every flag, short and long, before or after the URL', () => {
    const args = run([
      '-p', 'socks5h://u:p@proxy:1080', '-n', 'ws://h', '-r', '-o', 'http://o', '--eof-wait', '1.5',
      '-t', 'hi there', '--timings', '--headers', 'A: b, C: d', '--timeout', '2', '-s', 'chat', 'v2',
    ]);
    expect(args).toEqual({
      url: 'ws://h',
      proxy: 'socks5h://u:p@proxy:1080',
      verbose: 0,
      nocert: true,
      raw: true,
      origin: 'http://o',
      eofWait: 1.5,
      text: 'hi there',
      timings: true,
      headers: ['A: b', 'C: d'],
      timeout: 2,
      subprotocols: ['chat', 'v2'],
    });
    expect(run(['--proxy=http://x', '--origin=o', '--text=a=b', '--raw', '--nocert', 'ws://h'])).toMatchObject({
      proxy: 'http://x',
      origin: 'o',
      text: 'a=b',
      raw: true,
      nocert: true,
    });
  });

  it('counts verbosity: -v, -vv, -v N, --verbose, --verbose=N, repeated', () => {
    expect(run(['-v', 'ws://h']).verbose).toBe(1);
    expect(run(['-vv', 'ws://h']).verbose).toBe(2);
    expect(run(['-vvv', 'ws://h']).verbose).toBe(3);
    expect(run(['-v', '2', 'ws://h']).verbose).toBe(2);
    expect(run(['--verbose', 'ws://h']).verbose).toBe(1);
    expect(run(['--verbose=2', 'ws://h']).verbose).toBe(2);
    expect(run(['-v', '-v', 'ws://h']).verbose).toBe(2);
    expect(run(['-rvn', 'ws://h'])).toMatchObject({ raw: true, verbose: 1, nocert: true });
    expect(run(['-vrv', 'ws://h'])).toMatchObject({ raw: true, verbose: 2 });
    // Unlike argparse's nargs='?', -v never swallows the URL.
    expect(run(['ws://h', '-v']).verbose).toBe(1);
  });

  it('-s takes subprotocols up to the next option or the URL', () => {
    expect(run(['-s', 'a', 'b', 'ws://h']).subprotocols).toEqual(['a', 'b']);
    expect(run(['-s', 'a', '-r', 'ws://h'])).toMatchObject({ subprotocols: ['a'], raw: true });
    expect(run(['ws://h', '-s', 'a', '-s', 'b']).subprotocols).toEqual(['a', 'b']);
    expect(run(['--subprotocols=x', 'ws://h']).subprotocols).toEqual(['x']);
  });

  it('-- ends the options', () => {
    expect(run(['-r', '--', 'ws://h']).url).toBe('ws://h');
  });

  it('help and version win over everything else', () => {
    expect(parseArgs(['ws://h', '-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version', 'ws://h'])).toEqual({ kind: 'version' });
  });

  it.each([
    [[], 'expected a ws_url (ws://… or wss://…), got none'],
    [['ws://a', 'ws://b'], "expected one ws_url, got 2: 'ws://a' 'ws://b'"],
    [['--bogus', 'ws://h'], "unknown option '--bogus': expected one of the options listed by --help"],
    [['-x', 'ws://h'], "unknown option '-x'"],
    [['ws://h', '-t'], '-t: expected a value, got nothing'],
    [['ws://h', '--origin'], '--origin: expected a value, got nothing'],
    [['--raw=yes', 'ws://h'], "--raw: expected no value, got 'yes'"],
    [['--verbose=loud', 'ws://h'], "--verbose: expected a level such as 1 or 2, got 'loud'"],
    [['--eof-wait', '-1', 'ws://h'], "--eof-wait: expected a non-negative number of seconds up to 2147483, got '-1'"],
    [['--eof-wait', '', 'ws://h'], "--eof-wait: expected a non-negative number of seconds up to 2147483, got ''"],
    [['--eof-wait', 'Infinity', 'ws://h'], "--eof-wait: expected a non-negative number of seconds up to 2147483, got 'Infinity'"],
    [['--eof-wait', '2147484', 'ws://h'], "--eof-wait: expected a non-negative number of seconds up to 2147483, got '2147484'"],
    [['-rx', 'ws://h'], "unknown option '-rx'"],
    [['--timeout', '0', 'ws://h'], "--timeout: expected a positive number of seconds up to 2147483, got '0'"],
    [['-s', 'ws://h'], "-s: expected at least one subprotocol, got 'ws://h'"],
    [['ws://h', '-s'], '-s: expected at least one subprotocol, got nothing'],
    [['--headers', 'A: b, junk', 'ws://h'], "--headers: expected 'Name: value' entries, got 'junk'"],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('parseHeaders', () => {
  it('splits on commas and trims, skipping empty entries', () => {
    expect(parseHeaders(' A: b ,C:d,, ')).toEqual(['A: b', 'C:d']);
  });

  it('refuses entries without a name and a colon', () => {
    expect(() => parseHeaders(': value')).toThrow("--headers: expected 'Name: value' entries, got ': value'");
    expect(() => parseHeaders('Bad Name: x')).toThrow("got 'Bad Name: x'");
  });
});
