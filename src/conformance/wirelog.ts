/**
 * The wire log of one case (frames sent and received, timers) and the report form of events:
 * payloads cut at 256 bytes, bounded entry count, so a report of a 1000-message case stays small.
 */
import type { CaseEvent, ReportedEvent, WirelogEntry } from './types.js';

const MAX_PAYLOAD_SHOWN = 256;
const MAX_ENTRIES = 400;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A payload as a report shows it: text when it is valid UTF-8, else hex; cut after 256 bytes. */
export function showPayload(data: Buffer): string {
  const cut = data.length > MAX_PAYLOAD_SHOWN;
  const head = cut ? data.subarray(0, MAX_PAYLOAD_SHOWN) : data;
  let text: string;
  try {
    text = JSON.stringify(strictUtf8.decode(head));
  } catch {
    text = `0x${head.toString('hex')}`;
  }
  return cut ? `${text} …` : text;
}

/** An observed or expected event in report form. */
export function eventForReport(event: CaseEvent): ReportedEvent {
  if (event.kind === 'timeout') return { kind: 'timeout', length: 0, payload: event.tag };
  const reported: ReportedEvent = { kind: event.kind, length: event.data.length, payload: showPayload(event.data) };
  if (event.kind === 'message') reported.binary = event.binary;
  return reported;
}

/** The first entries of a connection's wire log, then a count of those left out. */
export class Wirelog {
  private readonly kept: WirelogEntry[] = [];
  private omitted = 0;
  private readonly start = performance.now();

  /** Records a frame sent or received. */
  frame(dir: 'tx' | 'rx', frame: { opcode: number; fin: boolean; rsv: number; payload: Buffer; masked: boolean }, note?: string): void {
    // A full log only counts: the payload is not rendered for an entry that is not kept.
    if (this.kept.length >= MAX_ENTRIES) {
      this.omitted++;
      return;
    }
    this.add({ dir, opcode: frame.opcode, fin: frame.fin, rsv: frame.rsv, masked: frame.masked, length: frame.payload.length, payload: showPayload(frame.payload), note });
  }

  /** Records a timer set or fired, or another step of the case. */
  timer(note: string): void {
    this.add({ dir: 'timer', note });
  }

  entries(): { entries: WirelogEntry[]; omitted: number } {
    return { entries: this.kept, omitted: this.omitted };
  }

  private add(entry: Omit<WirelogEntry, 'at'>): void {
    if (this.kept.length >= MAX_ENTRIES) {
      this.omitted++;
      return;
    }
    const at = Math.round(performance.now() - this.start);
    const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as Omit<WirelogEntry, 'at'>;
    this.kept.push({ at, ...clean });
  }
}
