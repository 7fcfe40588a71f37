import type { MapAsyncSpec } from "../operators/map-async.js";
import type { AckToken } from "./ack.js";
import type { Batch } from "./envelope.js";
import { type FaultHandler, faultHandler, SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";

const PENDING: unique symbol = Symbol("pending");

interface Group {
  remaining: number;
  readonly acks: AckToken[] | null;
}

interface Entry {
  value: unknown;
  readonly group: Group;
  readonly ts: number;
}

/**
 * `mapAsync(fn, { concurrency, ordered })`: at most `concurrency` calls in flight, across batch
 * boundaries; results leave in input order (`ordered`, the default, as Node's `Readable.map`)
 * or in completion order. Results waiting behind a slow head are bounded by `batchSize`, so
 * memory stays bounded; the input is read only while both limits allow.
 * @internal
 */
export class MapAsyncNode extends RuntimeNode {
  private inFlight = 0;
  private readonly queue: Entry[] = [];
  private out: unknown[] = [];
  private outTs: number[] | null = null;
  private outAcks = new Set<AckToken>();
  private finishedGroups: Group[] = [];
  private wake: (() => void) | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private flushPending = false;
  private blocked = false;
  private handler!: FaultHandler;
  /** Highest number of calls in flight seen (for tests and the report). */
  maxInFlight = 0;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: MapAsyncSpec,
  ) {
    super(id, name, "mapAsync", job, settings, null, spec.name);
  }

  override compile(): void {
    super.compile();
    const fn = this.spec.fn as (x: unknown) => unknown;
    this.handler = faultHandler(
      this,
      { name: this.spec.name, kind: "mapAsync" },
      this.spec.onError ?? this.settings.onError,
      fn,
    );
  }

  private get pendingLimit(): number {
    return this.spec.concurrency + this.settings.batchSize;
  }

  protected async process(batch: Batch): Promise<void> {
    const records = batch.records;
    const group: Group = { remaining: records.length, acks: batch.acks };
    const ts = batch.timestamps;
    for (let i = 0; i < records.length; i++) {
      while (
        !this.settled &&
        (this.inFlight >= this.spec.concurrency || this.queue.length >= this.pendingLimit || this.blocked)
      ) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      if (this.settled) return;
      this.start(records[i], group, ts === null ? Number.NaN : ts[i]);
    }
  }

  private start(x: unknown, group: Group, ts: number): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    const entry: Entry = { value: PENDING, group, ts };
    if (this.spec.ordered) this.queue.push(entry);
    let p: unknown;
    try {
      p = (this.spec.fn as (x: unknown) => unknown)(x);
    } catch (err) {
      p = Promise.reject(err);
    }
    Promise.resolve(p)
      .catch((err) => this.handler(err, x))
      .then(
        (v) => this.complete(entry, v),
        (err) => this.fail(err),
      );
  }

  private complete(entry: Entry, value: unknown): void {
    if (this.settled) return;
    this.inFlight--;
    entry.value = value;
    if (this.spec.ordered) {
      let k = 0;
      while (k < this.queue.length && this.queue[k].value !== PENDING) this.take(this.queue[k++]);
      if (k > 0) this.queue.splice(0, k);
    } else this.take(entry);
    if (this.out.length >= this.settings.batchSize) this.flush();
    else if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(() => {
        this.flushPending = false;
        this.flush();
      });
    }
    this.notify();
  }

  private take(e: Entry): void {
    if (e.value !== SKIP) {
      this.out.push(e.value);
      if (!Number.isNaN(e.ts)) {
        this.outTs ??= [];
        this.outTs.push(e.ts);
      }
    }
    const acks = e.group.acks;
    if (acks !== null) for (const a of acks) this.outAcks.add(a);
    if (--e.group.remaining === 0) this.finishedGroups.push(e.group);
  }

  private notify(): void {
    const w = this.wake;
    if (w !== null) {
      this.wake = null;
      w();
    }
  }

  private flush(): Promise<void> {
    if (this.out.length === 0 && this.finishedGroups.length === 0) return this.flushing;
    const records = this.out;
    const ts = this.outTs !== null && this.outTs.length === records.length ? this.outTs : null;
    this.outTs = null;
    const acks = this.outAcks.size === 0 ? null : [...this.outAcks];
    const groups = this.finishedGroups;
    this.out = [];
    this.outAcks = new Set();
    this.finishedGroups = [];
    this.blocked = true;
    this.flushing = this.flushing
      .then(async () => {
        if (this.settled) return;
        if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
        if (records.length > 0) await this.emit(records, acks, ts);
        for (const g of groups) this.release(g.acks);
      })
      .catch((err) => this.fail(err))
      .finally(() => {
        this.blocked = false;
        this.notify();
      });
    return this.flushing;
  }

  /**
   * A watermark waits for the calls started before it: their results go out ahead of it, so a
   * record is never behind a watermark that passed it (downstream windows would count it late).
   * As Flink's AsyncWaitOperator keeps watermarks in order with the results before them; here
   * the input waits while those calls finish (Flink queues the watermark and reads on), so the
   * calls of one batch still overlap, and a batch's tail drains before its watermark leaves.
   * Synchronous when nothing is in flight or waiting to be emitted.
   */
  protected override onWatermark(_wm: number): Promise<void> | undefined {
    if (this.inFlight === 0 && this.out.length === 0 && this.finishedGroups.length === 0 && !this.blocked) {
      return undefined;
    }
    return this.onInputsEnded();
  }

  /** A barrier waits for the calls before it: their results go out ahead of it. */
  protected override beforeBarrier(): Promise<void> {
    return this.onInputsEnded();
  }

  protected override async onInputsEnded(): Promise<void> {
    while (this.inFlight > 0 && !this.settled) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    await this.flush();
  }
}
