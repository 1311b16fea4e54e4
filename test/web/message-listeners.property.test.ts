/**
 * The WebSocket's own `message` listener list against Node's EventTarget, on
 * random sequences of addEventListener / removeEventListener (with capture and
 * once) and dispatches, with listeners that stop the event, remove another
 * listener, or throw while it is dispatched: the same listeners must be called
 * in the same order, and the same errors reported. Both call listeners in the
 * order they were added whatever their capture flag (Node's EventTarget has no
 * propagation path; neither has a WebSocket).
 *
 * One difference is left out on purpose: a listener added while an event is
 * dispatched. Node's EventTarget calls it for that event too; the DOM Standard
 * (§ 2.10 "inner invoke" walks a clone of the list) does not, and neither does
 * the WebSocket (message-dispatch.test.ts checks it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageListeners } from '../../src/web/message-listeners.js';
import { ReceivedMessageEvent } from '../../src/web/received-message-event.js';

const LISTENERS = 5;

type Behaviour = { kind: 'none' } | { kind: 'stop' } | { kind: 'throw' } | { kind: 'remove'; other: number; capture: boolean };

type Op =
  | { op: 'add'; listener: number; capture: boolean; once: boolean }
  | { op: 'remove'; listener: number; capture: boolean }
  | { op: 'dispatch' };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  fc.constant({ kind: 'stop' } as const),
  fc.constant({ kind: 'throw' } as const),
  fc.record({ kind: fc.constant('remove' as const), other: fc.nat(LISTENERS - 1), capture: fc.boolean() }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), listener: fc.nat(LISTENERS - 1), capture: fc.boolean(), once: fc.boolean() }),
  fc.record({ op: fc.constant('remove' as const), listener: fc.nat(LISTENERS - 1), capture: fc.boolean() }),
  fc.constant({ op: 'dispatch' as const }),
);

interface Registry {
  add(listener: EventListener, options: { capture: boolean; once?: boolean }): void;
  remove(listener: EventListener, options: { capture: boolean }): void;
  dispatch(): void;
}

/** Runs `ops` on a registry and returns what the listeners did, in order. */
function play(make: (log: string[]) => Registry, behaviours: Behaviour[], ops: Op[]): string[] {
  const log: string[] = [];
  const registry = make(log);
  const listeners: EventListener[] = behaviours.map((b, i) => (event: Event) => {
    log.push(`L${i}`);
    if (b.kind === 'stop') event.stopImmediatePropagation();
    else if (b.kind === 'throw') throw new Error(`L${i} threw`);
    else if (b.kind === 'remove') registry.remove(listeners[b.other] as EventListener, { capture: b.capture });
  });
  for (const step of ops) {
    if (step.op === 'add') registry.add(listeners[step.listener] as EventListener, { capture: step.capture, once: step.once });
    else if (step.op === 'remove') registry.remove(listeners[step.listener] as EventListener, { capture: step.capture });
    else {
      log.push('dispatch');
      registry.dispatch();
    }
  }
  return log;
}

function nodeEventTarget(): Registry {
  const target = new EventTarget();
  return {
    add: (listener, options) => target.addEventListener('message', listener, options),
    remove: (listener, options) => target.removeEventListener('message', listener, options),
    dispatch: () => void target.dispatchEvent(new Event('message')),
  };
}

function ownList(): Registry {
  const target = new EventTarget();
  const list = new MessageListeners();
  return {
    add: (listener, options) => list.add(listener, options),
    remove: (listener, options) => list.remove(listener, options),
    dispatch: () => list.invoke(target, new ReceivedMessageEvent(target, 'data', '', 0) as unknown as ReceivedMessageEvent & Event),
  };
}

/** Runs `action` with errors reported as uncaught exceptions collected (Node's EventTarget and ours report them on the next tick). */
async function collectingUncaught(action: () => string[]): Promise<{ log: string[]; errors: string[] }> {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const errors: string[] = [];
  process.on('uncaughtException', (error) => errors.push(error.message));
  try {
    const log = action();
    await new Promise((resolve) => setImmediate(resolve));
    return { log, errors };
  } finally {
    process.removeAllListeners('uncaughtException');
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

describe('the message listener list', () => {
  it("calls the same listeners in the same order as Node's EventTarget, and reports the same errors", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(behaviour, { minLength: LISTENERS, maxLength: LISTENERS }), fc.array(op, { maxLength: 30 }), async (behaviours, ops) => {
        const node = await collectingUncaught(() => play(nodeEventTarget, behaviours, ops));
        const ours = await collectingUncaught(() => play(ownList, behaviours, ops));
        expect(ours).toEqual(node);
      }),
      { numRuns: 300 },
    );
  });
});
