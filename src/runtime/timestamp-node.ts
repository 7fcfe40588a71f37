import type { Clock } from "../util/clock.js";
import type { NodeState, Snapshottable } from "./checkpoint/snapshot-types.js";
import { checkState, expectState } from "./checkpoint/state-shape.js";
import { type Batch, StreamStatus, Watermark } from "./envelope.js";
import { asError, pipelineError } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";

/** Checkpoint of a {@link TimestampNode}: highest timestamp seen and last watermark sent (ms). @internal */
export interface TimestampNodeState {
  readonly kind: "timestamps";
  readonly v: 1;
  readonly maxTs: number;
  readonly emitted: number;
  /** Watermarks from upstream (a source's own), forwarded as they are. */
  readonly watermarks: unknown;
}

/** Settings of `withTimestamps`. @internal */
export interface TimestampSpec {
  readonly fn: (record: never) => number | Date;
  readonly maxOutOfOrderness: number;
  readonly idleTimeout: number;
  readonly clock: Clock;
  /**
   * Records up to this many ms ahead of the running watermark also cut the batch (default 0:
   * only records at or behind it). Session windows downstream set it to 1: a record exactly at
   * `watermark + 1` may touch a session ending there, which must see that watermark first for
   * the result not to depend on where batches end.
   */
  cutAhead?: number;
}

/**
 * `withTimestamps(fn, { maxOutOfOrderness, idleTimeout })`: gives every record its event time
 * (`fn(record)`, ms or a Date) and, after each batch, emits the bounded-out-of-orderness
 * watermark `maxSeenTs - maxOutOfOrderness - 1` when it advanced (Flink's
 * BoundedOutOfOrdernessWatermarks). When no record arrived for `idleTimeout` ms (processing time,
 * the Env's clock), the output is marked idle (nodes with several inputs leave it out of their
 * minimum watermark) and its watermark moves on with processing time —
 * `maxSeenTs - maxOutOfOrderness - 1 + (now - last record's arrival)` — so a quiet source still
 * closes its windows. A record that arrives later behind that watermark is late.
 *
 * A record whose timestamp is not a finite number goes through the fault policy.
 * @internal
 */
export class TimestampNode extends RuntimeNode implements Snapshottable {
  private maxTs = Number.NEGATIVE_INFINITY;
  private emitted = Number.NEGATIVE_INFINITY;
  private lastActivity = 0;
  private idle = false;
  private busy = false;
  private timer: unknown = null;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: TimestampSpec,
  ) {
    super(id, name, "timestamps", job, settings, null, "withTimestamps");
  }

  /**
   * The watermark generator's state between batches: the highest timestamp seen and the last
   * watermark sent (Flink keeps the latter per split in its sources' state), so that after a
   * restore a record behind the restored watermark is still cut out and seen as late downstream.
   */
  snapshotState(): TimestampNodeState {
    return {
      kind: "timestamps",
      v: 1,
      maxTs: this.maxTs,
      emitted: this.emitted,
      watermarks: this.snapshotWatermarks(),
    };
  }

  /**
   * Restores {@link TimestampNode.snapshotState}.
   * @throws StateError naming the node when `state` is not `{ kind: "timestamps", maxTs, emitted }`.
   */
  restoreState(state: NodeState): void {
    const s = expectState<TimestampNodeState>(this.name, "timestamps", state);
    checkState(
      typeof s.maxTs === "number" && typeof s.emitted === "number",
      this.name,
      "{ maxTs, emitted } as numbers (ms)",
    );
    this.restoreWatermarks(s.watermarks);
    this.maxTs = s.maxTs;
    this.emitted = s.emitted;
  }

  override async open(): Promise<void> {
    await super.open();
    if (Number.isFinite(this.spec.idleTimeout)) {
      this.lastActivity = this.spec.clock.now();
      this.armIdleCheck();
    }
  }

  private armIdleCheck(): void {
    const every = Math.max(1, Math.min(this.spec.idleTimeout, 1000));
    this.timer = this.spec.clock.setTimeout(() => {
      this.timer = null;
      if (this.settled) return;
      void this.checkIdle().finally(() => {
        if (!this.settled) this.armIdleCheck();
      });
    }, every);
  }

  private async checkIdle(): Promise<void> {
    if (this.busy || this.settled) return;
    const quiet = this.spec.clock.now() - this.lastActivity;
    if (quiet < this.spec.idleTimeout) return;
    if (!this.idle) {
      this.idle = true;
      await this.broadcast(new StreamStatus(true));
    }
    if (this.maxTs === Number.NEGATIVE_INFINITY) return;
    const wm = this.maxTs - this.spec.maxOutOfOrderness - 1 + quiet;
    if (wm > this.emitted) {
      this.emitted = wm;
      await this.broadcast(new Watermark(wm));
    }
  }

  /**
   * Assigns timestamps and advances the watermark. The watermark is conceptually per record
   * (`max ts so far - maxOutOfOrderness - 1`); it is sent at the end of the batch, and also
   * before any record that is behind it, cutting the batch there. So a record that is late
   * with respect to the records before it is seen as late downstream whatever the batch size:
   * results never depend on `batchSize`.
   */
  protected async process(batch: Batch): Promise<void> {
    this.busy = true;
    try {
      await this.processBatch(batch);
    } finally {
      this.busy = false;
      this.lastActivity = this.spec.clock.now();
    }
  }

  private async processBatch(batch: Batch): Promise<void> {
    this.lastActivity = this.spec.clock.now();
    if (this.idle) {
      this.idle = false;
      const w = this.broadcast(new StreamStatus(false));
      if (w !== undefined) await w;
    }
    const fn = this.spec.fn as (r: unknown) => number | Date;
    const ooo = this.spec.maxOutOfOrderness;
    const records = batch.records;
    const n = records.length;
    const ts = new Array<number>(n);
    let bad: Set<number> | null = null;
    let cuts: [number, number][] | null = null;
    let max = this.maxTs;
    let sent = this.emitted;
    const ahead = this.spec.cutAhead ?? 0;
    for (let i = 0; i < n; i++) {
      let t: number | Date;
      try {
        t = fn(records[i]);
        if (typeof t !== "number") t = t instanceof Date ? t.getTime() : Number.NaN;
        if (!Number.isFinite(t))
          throw new TypeError(`timestamp must be a finite number of ms or a Date, got ${String(t)}`);
      } catch (err) {
        this.reject(records[i], err);
        bad ??= new Set();
        bad.add(i);
        continue;
      }
      const running = max - ooo - 1;
      if (t <= running + ahead && running > sent) {
        // this record is behind the watermark of the records before it: cut the batch here
        cuts ??= [];
        cuts.push([i, running]);
        sent = running;
      }
      ts[i] = t;
      if (t > max) max = t;
    }
    if (bad === null && cuts === null) {
      if (n > 0) await this.emit(records, batch.acks, ts);
    } else {
      let from = 0;
      for (const [at, wm] of [...(cuts ?? []), [n, Number.NaN] as [number, number]]) {
        const seg: unknown[] = [];
        const segTs: number[] = [];
        for (let i = from; i < at; i++) {
          if (bad?.has(i)) continue;
          seg.push(records[i]);
          segTs.push(ts[i]);
        }
        if (seg.length > 0) await this.emit(seg, batch.acks, segTs);
        from = at;
        if (!Number.isNaN(wm)) {
          this.emitted = wm;
          const w = this.broadcast(new Watermark(wm));
          if (w !== undefined) await w;
        }
      }
      if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
    }
    this.release(batch.acks);
    this.maxTs = max;
    const wm = max - ooo - 1;
    if (wm > this.emitted) {
      this.emitted = wm;
      const w = this.broadcast(new Watermark(wm));
      if (w !== undefined) await w;
    }
  }

  /**
   * A bad timestamp: 'fail' throws; 'skip' / 'dead-letter' drop the record (counted). A
   * `retry(...)` policy goes to its `onExhausted` at once: the same record gives the same bad
   * timestamp again.
   */
  private reject(record: unknown, err: unknown): void {
    const configured = this.settings.onError;
    const policy = typeof configured === "object" ? configured.onExhausted : configured;
    if (policy === "fail") {
      throw pipelineError(this.name, "withTimestamps", err, { record });
    }
    if (policy === "skip") this.stats.skipped++;
    else {
      this.stats.deadLettered++;
      this.pendingDeadLetters.push({
        record,
        error: asError(err),
        node: this.name,
        operator: "withTimestamps",
        operatorKind: "timestamps",
        attempts: 1,
        at: Date.now(),
      });
    }
  }

  protected override onInputsEnded(): void {
    this.releaseResources();
  }

  protected override releaseResources(): void {
    if (this.timer !== null) this.spec.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
