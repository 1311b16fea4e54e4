/**
 * The `message` event the connection fires for each received message: a
 * {@link MessageEvent} (and so an `Event`) by its prototype chain, built
 * without running Node's `Event` constructor, whose option validation and
 * clock read cost more than the rest of a small message's way from the socket
 * to the listener. Every attribute and method of `Event` is therefore defined
 * here again, after the DOM Standard (§ 2.2 Interface Event), on fields of its
 * own; Node's `EventTarget.dispatchEvent` does not accept it (it checks a
 * field of its own events), which only matters to a listener that
 * re-dispatches the event it was given.
 */
import { MessageEvent } from './events.js';
import { atTarget, stoppedImmediately } from './message-listeners.js';

const NONE = 0;
const AT_TARGET = 2;

const inspect = Symbol.for('nodejs.util.inspect.custom');

/** @internal Built only by the WebSocket (the public class to construct is MessageEvent). */
export class ReceivedMessageEvent<T = unknown> {
  readonly data: T;
  readonly origin: string;
  readonly lastEventId = '';
  #type = 'message';
  readonly #target: EventTarget;
  #currentTarget: EventTarget | null = null;
  #eventPhase = NONE;
  readonly #timeStamp: number;
  #stopPropagation = false;
  /** Read by the dispatch loop after each listener. */
  [stoppedImmediately] = false;

  constructor(target: EventTarget, data: T, origin: string, timeStamp: number) {
    this.#target = target;
    this.data = data;
    this.origin = origin;
    this.#timeStamp = timeStamp;
  }

  get type(): string {
    return this.#type;
  }

  get target(): EventTarget {
    return this.#target;
  }

  /** Legacy alias of `target`. */
  get srcElement(): EventTarget {
    return this.#target;
  }

  /** The WebSocket while its listeners run, null before and after. */
  get currentTarget(): EventTarget | null {
    return this.#currentTarget;
  }

  /** `AT_TARGET` (2) while the listeners run, `NONE` (0) before and after. */
  get eventPhase(): number {
    return this.#eventPhase;
  }

  get bubbles(): boolean {
    return false;
  }

  get cancelable(): boolean {
    return false;
  }

  get composed(): boolean {
    return false;
  }

  /** Always false: a message event is not cancelable, so preventDefault() does nothing. */
  get defaultPrevented(): boolean {
    return false;
  }

  get returnValue(): boolean {
    return true;
  }

  // DOM § 2.2: setting returnValue to false cancels a cancelable event; this one is not.
  set returnValue(_value: boolean) {}

  get cancelBubble(): boolean {
    return this.#stopPropagation;
  }

  set cancelBubble(value: boolean) {
    if (value) this.#stopPropagation = true;
  }

  /** When the message was received (milliseconds, the clock of `performance.now()`): the time of the read it came with, one clock read for all the messages of a read. */
  get timeStamp(): number {
    return this.#timeStamp;
  }

  /** False, as for every event Node's own classes build. */
  get isTrusted(): boolean {
    return false;
  }

  composedPath(): EventTarget[] {
    return this.#currentTarget === null ? [] : [this.#currentTarget];
  }

  stopPropagation(): void {
    this.#stopPropagation = true;
  }

  stopImmediatePropagation(): void {
    this.#stopPropagation = true;
    this[stoppedImmediately] = true;
  }

  // DOM § 2.2: sets the canceled flag only for a cancelable event outside a passive listener.
  preventDefault(): void {}

  /** DOM § 2.2 initEvent(): ignored while the event is being dispatched. */
  initEvent(type: string, _bubbles?: boolean, _cancelable?: boolean): void {
    if (this.#currentTarget !== null) return;
    this.#type = String(type);
    this.#stopPropagation = false;
    this[stoppedImmediately] = false;
  }

  /** The dispatch loop enters the target and leaves it (DOM § 2.9 "dispatch": current target and phase, reset at the end). */
  [atTarget](inside: boolean): void {
    this.#currentTarget = inside ? this.#target : null;
    this.#eventPhase = inside ? AT_TARGET : NONE;
  }

  /** util.inspect: Event's own would reject an event it did not construct. */
  [inspect](): string {
    return `MessageEvent { type: '${this.#type}', data: ${typeof this.data === 'string' ? JSON.stringify(this.data) : Object.prototype.toString.call(this.data)}, origin: '${this.origin}' }`;
  }
}

Object.setPrototypeOf(ReceivedMessageEvent.prototype, MessageEvent.prototype);
