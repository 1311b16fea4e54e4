/**
 * The listeners of one event type kept by the WebSocket itself rather than by
 * Node's `EventTarget`, so that a received message reaches them without
 * Node's dispatch machinery: the `on…` attribute and every
 * `addEventListener` listener, in the order they were added, with the DOM
 * Standard's rules (§ 2.7 "add an event listener", "remove an event
 * listener"; § 2.10 "inner invoke").
 */

/** A listener as `addEventListener` takes it. */
export type Listener = ((event: Event) => unknown) | { handleEvent: (event: Event) => unknown };

/** The options of `addEventListener`, or its boolean `capture`. */
export type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

/** Key of the flag stopImmediatePropagation() sets on an event the WebSocket built. */
export const stoppedImmediately = Symbol('rfc6455.web.stoppedImmediately');
/** Key of the method that sets an event's current target and phase while its listeners run. */
export const atTarget = Symbol('rfc6455.web.atTarget');

/** What the dispatch loop needs of an event the WebSocket built. */
export interface Dispatched {
  readonly [stoppedImmediately]: boolean;
  [atTarget](inside: boolean): void;
}

interface Entry {
  /** The listener; null for the event handler attribute. */
  readonly callback: Listener | null;
  /** The attribute's current handler (HTML § 8.1.8.1: changing it keeps the listener's place). */
  handler: ((event: Event) => unknown) | null;
  readonly capture: boolean;
  readonly once: boolean;
  readonly passive: boolean;
  removed: boolean;
}

export class MessageListeners {
  /** Replaced, never changed in place: a dispatch walks the list as it was when it began (DOM § 2.9 "inner invoke" clones it). */
  #entries: readonly Entry[] = [];
  #attribute: Entry | null = null;

  /** True when nobody would see an event. */
  get empty(): boolean {
    return this.#entries.length === 0;
  }

  /** DOM § 2.7 "add an event listener". */
  add(callback: Listener | null | undefined, options: ListenerOptions | undefined): void {
    if (callback === null || callback === undefined) return;
    if (typeof callback !== 'function' && typeof callback !== 'object') {
      throw new TypeError(`expected the listener to be a function or an object with handleEvent, got ${typeof callback}`);
    }
    const { capture, once, passive, signal } = flatten(options);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`expected options.signal to be an AbortSignal, got ${Object.prototype.toString.call(signal)}`);
    }
    if (signal?.aborted === true) return;
    if (this.#entries.some((entry) => entry.callback === callback && entry.capture === capture)) return;
    const entry: Entry = { callback, handler: null, capture, once, passive, removed: false };
    this.#entries = [...this.#entries, entry];
    signal?.addEventListener('abort', () => this.#remove(entry), { once: true });
  }

  /** DOM § 2.7 "remove an event listener": the listener added with the same callback and capture. */
  remove(callback: Listener | null | undefined, options: boolean | { capture?: boolean } | undefined): void {
    if (callback === null || callback === undefined) return;
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const entry = this.#entries.find((candidate) => candidate.callback === callback && candidate.capture === capture);
    if (entry !== undefined) this.#remove(entry);
  }

  get attribute(): ((event: Event) => unknown) | null {
    return this.#attribute?.handler ?? null;
  }

  /** HTML § 8.1.8.1: the first handler adds a listener, a new one takes its place, null removes it. */
  set attribute(handler: ((event: Event) => unknown) | null) {
    if (typeof handler !== 'function') {
      if (this.#attribute !== null) this.#remove(this.#attribute);
      this.#attribute = null;
      return;
    }
    if (this.#attribute !== null) {
      this.#attribute.handler = handler;
      return;
    }
    const entry: Entry = { callback: null, handler, capture: false, once: false, passive: false, removed: false };
    this.#attribute = entry;
    this.#entries = [...this.#entries, entry];
  }

  /**
   * DOM § 2.10 "inner invoke": each listener in order, skipping those removed
   * meanwhile, until one stops the event. A listener that throws (or whose
   * returned promise rejects) is reported as Node's EventTarget reports it,
   * as an uncaught exception, and the others still run.
   */
  invoke(target: EventTarget, event: Event & Dispatched): void {
    const entries = this.#entries;
    event[atTarget](true);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      if (entry.removed) continue;
      if (entry.once) this.#remove(entry);
      call(entry, target, event);
      if (event[stoppedImmediately]) break;
    }
    event[atTarget](false);
  }

  /**
   * The same for an event someone else built and dispatched through Node's
   * EventTarget (which set its target and phase): its stopImmediatePropagation()
   * and, in a passive listener, preventDefault() are watched for the time of the loop.
   */
  invokeForeign(target: EventTarget, event: Event): void {
    let stopImmediate = false;
    const stop = event.stopImmediatePropagation;
    const prevent = event.preventDefault;
    const watched = Object.assign(event, {
      stopImmediatePropagation(this: Event): void {
        stopImmediate = true;
        stop.call(this);
      },
    });
    const entries = this.#entries;
    try {
      for (let i = 0; i < entries.length && !stopImmediate; i++) {
        const entry = entries[i] as Entry;
        if (entry.removed) continue;
        if (entry.once) this.#remove(entry);
        // DOM § 2.10: preventDefault() does nothing in a passive listener.
        watched.preventDefault = entry.passive ? () => undefined : prevent;
        call(entry, target, watched);
      }
    } finally {
      delete (event as Partial<Event>).stopImmediatePropagation;
      delete (event as Partial<Event>).preventDefault;
    }
  }

  #remove(entry: Entry): void {
    if (entry.removed) return;
    entry.removed = true;
    this.#entries = this.#entries.filter((candidate) => candidate !== entry);
    if (entry === this.#attribute) this.#attribute = null;
  }
}

function flatten(options: ListenerOptions | undefined): { capture: boolean; once: boolean; passive: boolean; signal: AbortSignal | undefined } {
  if (typeof options !== 'object' || options === null) return { capture: Boolean(options), once: false, passive: false, signal: undefined };
  return { capture: Boolean(options.capture), once: Boolean(options.once), passive: Boolean(options.passive), signal: options.signal };
}

function call(entry: Entry, target: EventTarget, event: Event): void {
  try {
    let result: unknown;
    if (entry.callback === null) result = (entry.handler as (event: Event) => unknown).call(target, event);
    else if (typeof entry.callback === 'function') result = entry.callback.call(target, event);
    else {
      // DOM § 2.10 "inner invoke": handleEvent is looked up at each call.
      const listener = entry.callback;
      const handleEvent: unknown = listener.handleEvent;
      if (typeof handleEvent !== 'function') throw new TypeError(`expected the listener object to have a handleEvent method, got ${typeof handleEvent}`);
      result = handleEvent.call(listener, event);
    }
    if (result !== undefined && result !== null) catchRejection(result);
  } catch (error) {
    report(error);
  }
}

function catchRejection(result: unknown): void {
  const then = (result as { then?: unknown }).then;
  if (typeof then === 'function') then.call(result, undefined, report);
}

/** As Node's EventTarget reports a listener's error: thrown again on the next tick, an uncaught exception. */
function report(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
