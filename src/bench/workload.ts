/**
 * The load itself, for a set of connections in one thread:
 * - closed loop (echo, no rate): each connection keeps `inflight` messages
 *   outstanding and sends the next one when an echo comes back;
 * - open loop (echo, `rate`): messages leave on a fixed schedule whatever the
 *   server does, and each latency runs from the message's *intended* send
 *   time, so a server stall is counted for every message it delayed
 *   (coordinated omission corrected, as wrk2 does);
 * - send-only: messages leave as fast as the socket takes them (or on the
 *   rate's schedule), nothing is expected back;
 * - receive-only: an optional start message, then whatever the server pushes is counted.
 * Every echo is checked against the message sent (length and checksum).
 */
import { performance } from 'node:perf_hooks';
import { BenchConnection, type BenchConnectOptions } from './connection.js';
import { Histogram } from './histogram.js';
import { EchoDigest, MessageFactory, type SizeSpec } from './payload.js';
import { PendingQueue } from './pending-queue.js';
import { RunResult, type TimelineSecond } from './result.js';

export type WorkloadMode = 'echo' | 'send-only' | 'receive-only';

/** One thread's share of a run. */
export interface WorkloadSpec {
  url: string;
  connect: BenchConnectOptions;
  connections: number;
  /** Closed loop: messages outstanding per connection. */
  inflight: number;
  /** Open loop: messages per second over all of this workload's connections; null for closed loop. */
  rate: number | null;
  /** How long to send after the warm-up; null: until `messages` are done. */
  durationMs: number | null;
  /** Messages over all connections; null: as many as the duration allows. */
  messages: number | null;
  warmupMs: number;
  /** Connections opened per second; null: all at once. */
  connectRate: number | null;
  sizes: SizeSpec;
  text: boolean;
  payload: Buffer | null;
  mode: WorkloadMode;
  /** receive-only: the message sent on each connection to start the server's pushes. */
  startMessage: string | null;
  /** Once sending stops, how long to wait for outstanding echoes (and, any time, the longest silence tolerated). */
  drainMs: number;
}

/** Called once per second of the run with that second's entry (for a progress line). */
export type SecondListener = (index: number, result: RunResult) => void;

/** Name under which an error is counted: its class and its code (a system error's, or our WS_ERR_… code). */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.constructor.name : `${error.constructor.name} (${code})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Run a workload to its end and return what it measured. */
export async function runWorkload(spec: WorkloadSpec, onSecond?: SecondListener): Promise<RunResult> {
  return new Workload(spec, onSecond).run();
}

class Slot {
  connection: BenchConnection | null = null;
  readonly pending = new PendingQueue();
  readonly factory: MessageFactory;
  /** Messages this connection may still send (Infinity without --messages). */
  budget: number;
  nextDue = 0;
  closing = false;

  constructor(spec: WorkloadSpec, budget: number) {
    this.factory = new MessageFactory(spec.sizes, spec.text, spec.payload);
    this.budget = budget;
  }
}

class Workload {
  private readonly result = new RunResult();
  private readonly slots: Slot[];
  private start = 0;
  private warmupEnd = 0;
  private sendEnd = Infinity;
  private sending = false;
  private lastActivity = 0;
  private finish: () => void = () => {};
  private finished = false;
  private secondsReported = 0;
  private currentSecondIndex = -1;
  private currentSecond: TimelineSecond | null = null;
  /**
   * Each echo's latency is recorded once: a measured one in its second's
   * histogram, one of a warm-up message here, per second. When a second is
   * over it is settled: its histogram (measured echoes only) is added to the
   * run's, then its warm-up echoes to it, so the timeline shows them all.
   */
  private readonly warmupLatencies: Array<Histogram | undefined> = [];
  /** Seconds settled so far (the first ones of the timeline). */
  private settledSeconds = 0;
  /** Reads the stamp and checksum of each echo. */
  private readonly digest = new EchoDigest();
  /** Kept as counters so that the end of the run is found in O(1) per message. */
  private liveConnections = 0;
  private outstandingCount = 0;
  private unsentBudget: number;

  constructor(
    private readonly spec: WorkloadSpec,
    private readonly onSecond: SecondListener | undefined,
  ) {
    const n = spec.connections;
    this.slots = Array.from({ length: n }, (_, i) => {
      const share = spec.messages === null ? Infinity : Math.floor(spec.messages / n) + (i < spec.messages % n ? 1 : 0);
      return new Slot(spec, share);
    });
    this.unsentBudget = spec.messages ?? Infinity;
  }

  private now(): number {
    return performance.now();
  }

  private secondOf(time: number): number {
    return Math.max(0, Math.floor((time - this.start) / 1000));
  }

  /** The timeline entry of the second holding `time` (the current one is kept at hand: most events fall in it). */
  private secondAt(time: number): TimelineSecond {
    const index = this.secondOf(time);
    if (index !== this.currentSecondIndex) {
      this.currentSecondIndex = index;
      this.currentSecond = this.result.second(index);
    }
    return this.currentSecond!;
  }

  async run(): Promise<RunResult> {
    await this.openAll();
    this.start = this.now();
    this.lastActivity = this.start;
    this.warmupEnd = this.start + this.spec.warmupMs;
    if (this.spec.durationMs !== null) this.sendEnd = this.warmupEnd + this.spec.durationMs;
    this.result.warmupMs = this.spec.warmupMs;
    const done = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    this.sending = true;
    const ticker = setInterval(() => this.tick(), 50);
    this.startTraffic();
    this.checkDone();
    await done;
    clearInterval(ticker);
    this.reportSeconds(true);
    await this.closeAll();
    // Echoes that came while closing, in a second of their own.
    this.settleSeconds(this.result.timeline.length);
    return this.result;
  }

  private async openAll(): Promise<void> {
    const spacing = this.spec.connectRate === null ? 0 : 1000 / this.spec.connectRate;
    const opening: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      opening.push(this.open(slot));
      if (spacing > 0) await sleep(spacing);
    }
    await Promise.all(opening);
  }

  private async open(slot: Slot): Promise<void> {
    const began = this.now();
    try {
      slot.connection = await BenchConnection.open(this.spec.url, this.spec.connect, {
        onMessage: (data) => this.onMessage(slot, data),
        onError: (error) => this.onError(error),
        onEnd: (code) => this.onEnd(slot, code),
      });
      this.result.connectLatency.record((this.now() - began) * 1000);
      this.result.counts.connectionsOpened++;
      this.liveConnections++;
    } catch (error) {
      this.unsentBudget -= slot.budget;
      slot.budget = 0;
      this.result.counts.connectionsFailed++;
      this.result.countError(errorName(error));
    }
  }

  private live(): Slot[] {
    return this.slots.filter((slot) => slot.connection !== null && !slot.connection.isEnded);
  }

  private startTraffic(): void {
    const { mode, rate } = this.spec;
    const live = this.live();
    if (mode === 'receive-only') {
      if (this.spec.startMessage !== null) for (const slot of live) slot.connection!.send(this.spec.startMessage);
      return;
    }
    if (rate !== null) {
      // Spread the connections' schedules evenly over one interval.
      const interval = (1000 * this.spec.connections) / rate;
      live.forEach((slot, i) => {
        slot.nextDue = this.start + (i * interval) / live.length;
      });
      this.schedule();
      return;
    }
    for (const slot of live) {
      if (mode === 'echo') {
        slot.connection!.cork();
        const now = this.now();
        for (let i = 0; i < this.spec.inflight; i++) this.sendOne(slot, now, now);
        slot.connection!.uncork();
      } else {
        this.pump(slot);
      }
    }
  }

  /** Open loop: send every message whose intended time has come, then sleep until the next one. */
  private schedule(): void {
    if (!this.sending) return;
    const interval = (1000 * this.spec.connections) / this.spec.rate!;
    const now = this.now();
    let next = Infinity;
    for (const slot of this.slots) {
      const connection = slot.connection;
      if (connection === null || connection.isEnded) continue;
      connection.cork();
      while (slot.nextDue <= now && slot.budget > 0 && slot.nextDue < this.sendEnd) {
        this.sendOne(slot, slot.nextDue, now);
        slot.nextDue += interval;
      }
      connection.uncork();
      if (slot.budget > 0) next = Math.min(next, slot.nextDue);
    }
    if (next === Infinity || next >= this.sendEnd) {
      if (now >= this.sendEnd || next === Infinity) this.stopSending();
      else setTimeout(() => this.schedule(), Math.max(0, this.sendEnd - now));
      return;
    }
    setTimeout(() => this.schedule(), Math.max(0, next - now));
  }

  /** Send-only, closed loop: write while the socket takes it, continue on drain. */
  private pump(slot: Slot): void {
    const connection = slot.connection!;
    connection.cork();
    const now = this.now();
    while (this.sending && slot.budget > 0 && connection.writable && now < this.sendEnd) {
      this.sendOne(slot, now, now);
    }
    connection.uncork();
    if (this.sending && slot.budget > 0 && !connection.isEnded) {
      if (connection.writable) setImmediate(() => this.pump(slot));
      else connection.onceDrained(() => this.pump(slot));
    }
    this.checkDone();
  }

  /** Send the next message of `slot`, meant to leave at `intended`, now being `now`. */
  private sendOne(slot: Slot, intended: number, now: number): void {
    const message = slot.factory.next();
    if (!slot.connection!.send(message.data)) return;
    slot.budget--;
    this.unsentBudget--;
    const measured = intended >= this.warmupEnd;
    if (this.spec.mode === 'echo') {
      slot.pending.push(intended, message.length, message.checksum, message.seq, measured);
      this.outstandingCount++;
    }
    if (measured) {
      this.result.counts.sent++;
      this.result.counts.payloadBytesSent += message.length;
    }
    this.secondAt(now).sent++;
  }

  private onMessage(slot: Slot, data: Buffer | string): void {
    const now = this.now();
    this.lastActivity = now;
    const second = this.secondAt(now);
    const counts = this.result.counts;
    if (this.spec.mode !== 'echo') {
      if (now >= this.warmupEnd) {
        counts.received++;
        counts.payloadBytesReceived += data.length;
      }
      second.received++;
      second.payloadBytes += data.length;
      return;
    }
    const pending = slot.pending;
    if (pending.size === 0) {
      counts.unexpected++;
      second.errors++;
      return;
    }
    const expectedSeq = pending.seq(0);
    const digest = this.digest;
    digest.read(data);
    const stamp = expectedSeq >= 0 ? digest.stamp : -1;
    const ahead = (stamp - expectedSeq) >>> 0;
    if (stamp >= 0 && ahead !== 0) {
      if (ahead < pending.size && pending.seq(ahead) === stamp) {
        // An echo that skips ahead in sequence: the messages in between were dropped.
        for (let i = 0; i < ahead; i++) pending.shift();
        this.outstandingCount -= ahead;
        counts.dropped += ahead;
        second.errors += ahead;
      } else if (ahead >= 2 ** 31) {
        // The echo of a message already answered: a duplicate, which frees no slot.
        counts.unexpected++;
        second.errors++;
        return;
      }
    }
    const expectedLength = pending.length(0);
    const expectedChecksum = pending.checksum(0);
    const intended = pending.intended(0);
    const measured = pending.measured(0);
    pending.shift();
    this.outstandingCount--;
    if (data.length !== expectedLength || digest.checksum !== expectedChecksum) {
      counts.corrupted++;
      second.errors++;
    } else {
      second.received++;
      second.payloadBytes += data.length;
      if (measured) {
        counts.received++;
        counts.payloadBytesReceived += data.length;
      }
      this.recordLatency((now - intended) * 1000, measured);
    }
    if (this.sending && this.spec.rate === null && slot.budget > 0 && now < this.sendEnd) this.sendOne(slot, now, now);
    else if (now >= this.sendEnd) this.stopSending();
    this.checkDone();
  }

  /** The latency of an intact echo that came in the current second (see {@link warmupLatencies}). */
  private recordLatency(latency: number, measured: boolean): void {
    const index = this.currentSecondIndex;
    const second = this.currentSecond!;
    if (index < this.settledSeconds) {
      // An echo in a second already settled (one that came while closing): counted in both at once.
      second.latency.record(latency);
      if (measured) this.result.latency.record(latency);
    } else if (measured) {
      second.latency.record(latency);
    } else {
      (this.warmupLatencies[index] ??= new Histogram('us')).record(latency);
    }
  }

  /** Settle the seconds before `end` (see {@link warmupLatencies}); no echo comes in them any more. */
  private settleSeconds(end: number): void {
    const timeline = this.result.timeline;
    const last = Math.min(end, timeline.length);
    for (; this.settledSeconds < last; this.settledSeconds++) {
      const index = this.settledSeconds;
      const entry = timeline[index]!;
      this.result.latency.add(entry.latency);
      const warmup = this.warmupLatencies[index];
      if (warmup !== undefined) {
        entry.latency.add(warmup);
        this.warmupLatencies[index] = undefined;
      }
    }
  }

  private onError(error: Error): void {
    this.result.countError(errorName(error));
    this.secondAt(this.now()).errors++;
  }

  private onEnd(slot: Slot, code: number | null): void {
    this.liveConnections--;
    this.unsentBudget -= slot.budget;
    slot.budget = 0;
    if (!slot.closing) {
      this.result.countClose(code ?? 1006);
      this.result.counts.unanswered += slot.pending.size;
      this.outstandingCount -= slot.pending.size;
      slot.pending.clear();
    }
    this.checkDone();
  }

  private stopSending(): void {
    this.sending = false;
    this.checkDone();
  }

  /** Called every 50 ms: reports finished seconds, ends the sending window, watches for silence. */
  private tick(): void {
    const now = this.now();
    this.reportSeconds(false);
    if (now >= this.sendEnd) this.stopSending();
    if (this.finished) return;
    if (this.spec.durationMs !== null) {
      // A timed run sends until its end whatever the server does, then waits --drain for the echoes.
      if (this.spec.mode === 'receive-only' ? now >= this.sendEnd : now - this.sendEnd > this.spec.drainMs) this.end(now);
    } else if (this.outstandingCount > 0 && now - this.lastActivity > this.spec.drainMs) {
      // A run of --messages ends when the server has been silent for --drain with echoes outstanding.
      this.end(now);
    }
  }

  private checkDone(): void {
    if (this.finished || this.spec.mode === 'receive-only') return;
    const allSent = !this.sending || this.unsentBudget <= 0;
    if (this.liveConnections === 0 || (allSent && this.outstandingCount === 0)) this.end(this.now());
  }

  private end(now: number): void {
    if (this.finished) return;
    this.finished = true;
    this.sending = false;
    for (const slot of this.slots) {
      this.result.counts.unanswered += slot.pending.size;
      slot.closing = true;
    }
    const sendStop = Math.min(now, this.sendEnd);
    this.result.measuredMs = Math.max(0, (this.spec.durationMs === null ? now : sendStop) - this.warmupEnd);
    this.finish();
  }

  private reportSeconds(final: boolean): void {
    const complete = final ? this.result.timeline.length : this.secondOf(this.now());
    // A second in which nothing came or went (a stalled server) still has its entry, empty.
    if (complete > 0) this.result.second(complete - 1);
    this.settleSeconds(complete);
    if (this.onSecond === undefined) return;
    while (this.secondsReported < complete) this.onSecond(this.secondsReported++, this.result);
  }

  private async closeAll(): Promise<void> {
    const closing = this.slots
      .filter((slot) => slot.connection !== null && !slot.connection.isEnded)
      .map(
        (slot) =>
          new Promise<void>((resolve) => {
            const connection = slot.connection!;
            const timer = setTimeout(() => connection.destroy(), 1000);
            const check = setInterval(() => {
              if (connection.isEnded) {
                clearTimeout(timer);
                clearInterval(check);
                resolve();
              }
            }, 10);
            connection.close();
          }),
      );
    await Promise.all(closing);
    for (const slot of this.slots) slot.connection?.destroy();
    for (const slot of this.slots) {
      if (slot.connection === null) continue;
      this.result.counts.wireBytesSent += slot.connection.wireBytesSent;
      this.result.counts.wireBytesReceived += slot.connection.wireBytesReceived;
    }
  }
}
