/**
 * Small builders shared by the case sections: expected events and expected endings.
 */
import type { CaseRun } from '../run.js';
import type { CaseEvent } from '../types.js';

export const TEXT = 1;
export const BINARY = 2;
export const CLOSE = 8;
export const PING = 9;
export const PONG = 10;
export const CONTINUATION = 0;

/** Close codes (RFC 6455 §7.4.1). */
export const NORMAL = 1000;
export const PROTOCOL_ERROR = 1002;
export const INVALID_PAYLOAD = 1007;

export function bytes(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export function message(data: Buffer | string, binary = false): CaseEvent {
  return { kind: 'message', data: bytes(data), binary };
}

export function pong(data: Buffer | string = ''): CaseEvent {
  return { kind: 'pong', data: bytes(data) };
}

export function timeout(tag: string): CaseEvent {
  return { kind: 'timeout', tag };
}

/** The client must produce exactly `events`; the server then closes with 1000 and expects a clean close. */
export function expectEcho(run: CaseRun, events: CaseEvent[]): void {
  run.expected.set('OK', events);
  run.expectedClose = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
}

/**
 * The client must fail the connection itself, with `code` or by dropping TCP. When `echoFirst`
 * is given, echoing it before failing is OK and failing before echoing is NON-STRICT.
 */
export function expectFailure(run: CaseRun, code: number, echoFirst?: CaseEvent[]): void {
  if (echoFirst === undefined) run.expected.set('OK', []);
  else {
    run.expected.set('OK', echoFirst);
    run.expected.set('NON-STRICT', []);
  }
  run.expectedClose = { closedByMe: false, closeCode: [code], requireClean: false };
}
