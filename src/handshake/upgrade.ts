/**
 * The client's side of the opening handshake (RFC 6455 §4.1) as a step
 * machine: it sends the Upgrade request, parses the answer's head, and ends
 * with the connection opened (the 101 checked, the bytes behind it kept), a
 * redirect to follow, or, for any other status, a WebSocketBadStatusException
 * carrying the body that came. No sockets, no timers: transport/drive.ts runs it.
 */
import { createError, WebSocketTimeoutException } from '../exceptions.js';
import { badStatusError, ResponseBodyCollector } from './body.js';
import type { Step, StepMachine } from './machine.js';
import { redirectTarget } from './redirect.js';
import type { HandshakeResponse } from './response-head.js';
import { HandshakeResponseParser, validateUpgradeResponse, type UpgradeExpectation } from './response.js';

/**
 * How long the body of a non-101 answer is read, in ms, after its head: a
 * server may keep the connection open after a body with no Content-Length and
 * no chunking (or stall inside one). The body is also cut at MAX_BODY_BYTES.
 */
export const BODY_READ_MS = 1000;

/** How one Upgrade exchange ended, short of an error. */
export type UpgradeOutcome =
  | {
      kind: 'open';
      response: HandshakeResponse;
      subprotocol: string | null;
      extensions: string | null;
      /** Bytes that arrived right after the 101 response: the first frames. */
      rest: Buffer;
    }
  | { kind: 'redirect'; response: HandshakeResponse; target: { url: string; sameOrigin: boolean } };

/** What {@link UpgradeHandshake} needs to know. */
export interface UpgradeParams extends UpgradeExpectation {
  /** The Upgrade request, as buildHandshakeRequest made it. */
  request: Buffer;
  /** The URL the request went to, against which a `Location` is resolved. */
  url: string;
  /** Who answers, for messages: host:port or the unix socket path. */
  peer: string;
  /** Sees the response head as soon as it is parsed (tracing). */
  onHead?: (head: HandshakeResponse) => void;
}

const WAIT: Step<UpgradeOutcome> = { kind: 'wait' };

/** One Upgrade request and its answer. */
export class UpgradeHandshake implements StepMachine<UpgradeOutcome> {
  private readonly parser = new HandshakeResponseParser();
  private response: HandshakeResponse | null = null;
  private body: ResponseBodyCollector | null = null;
  private received = 0;

  constructor(private readonly params: UpgradeParams) {}

  start(): Buffer {
    return this.params.request;
  }

  feed(chunk: Buffer): Step<UpgradeOutcome> {
    this.received += chunk.length;
    if (this.body !== null) return this.body.push(chunk) ? this.refuse() : WAIT;
    const parsed = this.parser.push(chunk);
    return parsed === null ? WAIT : this.head(parsed.response, parsed.rest);
  }

  end(): Step<UpgradeOutcome> {
    if (this.body !== null) {
      this.body.end();
      return this.refuse();
    }
    throw createError(
      'WS_ERR_CLOSED_DURING_HANDSHAKE',
      `connection closed by ${this.params.peer} during the opening handshake after ${this.received} bytes: expected an HTTP/1.1 101 response`,
    );
  }

  abort(reason: unknown): Step<UpgradeOutcome> {
    // A non-101 answer whose body is still arriving at the deadline is reported with what came.
    if (this.body !== null && reason instanceof WebSocketTimeoutException) return this.refuse();
    throw reason;
  }

  private head(head: HandshakeResponse, rest: Buffer): Step<UpgradeOutcome> {
    this.response = head;
    this.params.onHead?.(head);
    if (head.statusCode === 101) {
      const negotiated = validateUpgradeResponse(head, this.params);
      return { kind: 'done', value: { kind: 'open', response: head, ...negotiated, rest } };
    }
    const target = redirectTarget(this.params.url, head);
    if (target !== null) return { kind: 'done', value: { kind: 'redirect', response: head, target } };
    this.body = new ResponseBodyCollector(head);
    if (this.body.push(rest)) return this.refuse();
    // The status is known; what the body adds to the error is not worth waiting long for.
    return { kind: 'wait', patience: BODY_READ_MS };
  }

  private refuse(): never {
    throw badStatusError(this.response as HandshakeResponse, this.body?.body);
  }
}
