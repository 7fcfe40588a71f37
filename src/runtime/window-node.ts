import type { AggregatorSpec } from "../states/aggregator-spec.js";
import type { WindowTrigger } from "../states/windows/triggers.js";
import type { WindowAssigner } from "../states/windows/window-assigner.js";
import type { Clock } from "../util/clock.js";
import { type AckToken, releaseAll } from "./ack.js";
import type { NodeState, Snapshottable } from "./checkpoint/snapshot-types.js";
import { checkState, expectState } from "./checkpoint/state-shape.js";
import type { Batch } from "./envelope.js";
import { SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";
import { type AggPlan, aggPlan } from "./windows/agg-plan.js";
import { CountWindows } from "./windows/count-windows.js";
import { ResultBuffer } from "./windows/result-buffer.js";
import { SessionWindows } from "./windows/session-windows.js";
import { KeyFailure, type WindowContext, type WindowStrategy } from "./windows/strategy.js";
import { TimeWindows } from "./windows/time-windows.js";

/** Settings of a window node. @internal */
export interface WindowSpec {
  readonly keyFn: ((record: never) => unknown) | null;
  readonly assigner: WindowAssigner;
  /** What `agg()` was given, normalised; the node builds its own {@link AggPlan} from it. */
  readonly aggregators: AggregatorSpec;
  readonly allowedLateness: number;
  readonly clock: Clock;
  readonly trigger: WindowTrigger;
  /**
   * Shared by the window nodes of one windowed stream's aggregations with the same allowed
   * lateness: `listened` once a `lateRecords()` stream exists. Only the first node feeds it;
   * the others drop their (identical) late records without counting them. Absent: no sharing.
   */
  readonly late?: LateGroup;
}

/** See {@link WindowSpec.late}. @internal */
export interface LateGroup {
  listened: boolean;
}

/** Checkpoint of a {@link WindowNode} (see `snapshotState`). @internal */
export interface WindowNodeState {
  readonly kind: string;
  readonly v: 1;
  /** `null` before the first batch; else whether records came without timestamps. */
  readonly processingTime: boolean | null;
  readonly watermarks: unknown;
  /** The strategy's snapshot (time, session or count windows). */
  readonly windows: unknown;
}

/** Side output tag of records past allowed lateness. @internal */
export const LATE = "late";

/**
 * `keyBy(k).window(assigner).agg(...)` (and the non-keyed `window(assigner)`): assigns each
 * record to its windows, folds it into per-(key, window) accumulators, and emits
 * `{ key, window: { start, end }, ...fields }` when the watermark passes `end - 1` (event
 * time), or when the clock does (processing time: input without timestamps). Results carry the
 * timestamp `end - 1` (Flink's window.maxTimestamp) so windows can cascade.
 *
 * Late records (their windows past `end - 1 + allowedLateness`) go to the `late` side output
 * when someone listens (`lateRecords()`), else are counted (`lateDropped`) and logged once.
 * Acks: a record's source batch is acknowledged only after a result containing it was written.
 * @internal
 */
export class WindowNode extends RuntimeNode implements WindowContext, Snapshottable {
  private readonly strategy: WindowStrategy;
  private readonly plan: AggPlan;
  /** Results fired and not emitted yet. */
  private readonly out = new ResultBuffer();
  private outAcks: AckToken[] = [];
  private lateOut: unknown[] = [];
  private lateTs: number[] = [];
  private lock: Promise<void> = Promise.resolve();
  private timer: unknown = null;
  private earlyTimer: unknown = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private warnedLate = false;
  /** Whether a `lateRecords()` stream listens. */
  hasLateOutput = false;
  /** Processing-time mode (no timestamps seen). */
  private processingTime: boolean | null = null;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: WindowSpec,
  ) {
    super(id, name, "window", job, settings, null, `window:${spec.assigner.kind}`);
    const plan = aggPlan(spec.aggregators);
    this.plan = plan;
    const a = spec.assigner;
    switch (a.kind) {
      case "tumbling":
      case "sliding":
        this.strategy = new TimeWindows(a, plan, this);
        break;
      case "session":
        this.strategy = new SessionWindows(a.gap, plan, this);
        break;
      case "count":
        this.strategy = new CountWindows(a.size, plan, this);
        break;
      case "global":
        this.strategy = new CountWindows(Number.POSITIVE_INFINITY, plan, this);
        break;
    }
  }

  /** The `kind` tag of this node's checkpoint state. */
  private get stateKind(): string {
    return `window:${this.spec.assigner.kind}`;
  }

  /**
   * The node's state between batches: the time mode, the watermarks it tests records against,
   * and every open (key, window) — accumulators (the aggregators' `snapshot()`), fired flags
   * within allowed lateness, session timers, count-window counters. Ack tokens are not kept:
   * the records they stand for come before the checkpoint's source positions.
   */
  snapshotState(): WindowNodeState {
    return {
      kind: this.stateKind,
      v: 1,
      processingTime: this.processingTime,
      watermarks: this.snapshotWatermarks(),
      windows: this.strategy.snapshot(),
    };
  }

  /**
   * Restores {@link WindowNode.snapshotState} into this freshly built node, before its first
   * record. In processing time the timer of the earliest window is armed again.
   * @throws StateError naming the node when `state` is not the state of a window node of the
   *   same kind (assigner, number of inputs).
   */
  restoreState(state: NodeState): void {
    const s = expectState<WindowNodeState>(this.name, this.stateKind, state);
    checkState(
      s.processingTime === null || typeof s.processingTime === "boolean",
      this.name,
      `processingTime: true, false or null, got ${String(s.processingTime)}`,
    );
    this.restoreWatermarks(s.watermarks);
    this.strategy.restore(s.windows, this.name);
    this.processingTime = s.processingTime;
    if (this.processingTime === true) this.armTimer();
  }

  /** Allowed lateness in ms; 0 in processing time, where nothing is late (Flink's cleanup time). */
  get lateness(): number {
    return this.processingTime === true ? 0 : this.spec.allowedLateness;
  }

  get eachRecord(): boolean {
    return this.spec.trigger.kind === "record";
  }

  /**
   * The event-time watermark the strategies test records against. In processing time a record
   * is never late (Flink's `WindowOperator.isWindowLate` applies to event time only): it goes
   * into the windows of the clock's time when it arrives, even in their last millisecond, and
   * windows fire on a timer once the clock passes `end - 1`.
   */
  override get watermark(): number {
    return this.processingTime === true ? Number.NEGATIVE_INFINITY : super.watermark;
  }

  /** (key, window) states held. */
  override get stateCount(): number {
    return this.strategy.stateCount();
  }

  override async open(): Promise<void> {
    await super.open();
    const t = this.spec.trigger;
    if (t.kind === "early") this.armEarly(t.everyMs);
  }

  /** `earlyEvery(ms)`: emit the open windows' current results every `ms` (processing time). */
  private armEarly(ms: number): void {
    this.earlyTimer = this.spec.clock.setTimeout(() => {
      this.earlyTimer = null;
      if (this.settled) return;
      Promise.resolve(
        this.withLock(() => {
          if (this.settled) return;
          this.strategy.fireOpen();
          return this.flush(null);
        }),
      )
        .then(() => {
          if (!this.settled) this.armEarly(ms);
        })
        .catch((err) => this.fail(err));
    }, ms);
  }

  fire(key: unknown, window: Readonly<{ start: number; end: number }>, state: unknown, ts: number): void {
    this.out.push(this.plan.windowResult(key, window, state), ts);
  }

  fireWindow(
    slots: readonly { readonly key: unknown }[],
    states: readonly unknown[],
    n: number,
    window: Readonly<{ start: number; end: number }>,
    ts: number,
    last: boolean,
  ): void {
    const buf = this.out;
    buf.reserve(n);
    const out = buf.records;
    const outTs = buf.timestamps;
    const at = buf.length;
    const plan = this.plan;
    const inPlace = last ? plan.lastWindowResult : null;
    if (inPlace !== null) {
      for (let i = 0; i < n; i++) {
        out[at + i] = inPlace(slots[i].key, window, states[i]);
        outTs[at + i] = ts;
      }
    } else {
      for (let i = 0; i < n; i++) {
        out[at + i] = plan.windowResult(slots[i].key, window, states[i]);
        outTs[at + i] = ts;
      }
    }
    buf.length = at + n;
  }

  ackWith(tokens: AckToken[]): void {
    for (let i = 0; i < tokens.length; i++) this.outAcks.push(tokens[i]);
  }

  unassigned(): void {
    this.stats.unassigned++;
  }

  late(record: unknown, ts: number): void {
    if (this.hasLateOutput) {
      this.stats.lateRecords++;
      this.lateOut.push(record);
      this.lateTs.push(ts);
      return;
    }
    // another aggregation of the same windowed stream sends this record to lateRecords()
    if (this.spec.late?.listened === true) return;
    this.stats.lateDropped++;
    if (!this.warnedLate) {
      this.warnedLate = true;
      this.job.logger.warn(
        { node: this.name },
        "records past allowed lateness are dropped and counted (lateDropped in the run report); listen with lateRecords() to keep them",
      );
    }
  }

  /** Tasks (batches, watermarks, timers) started and not finished; they run one at a time. */
  private running = 0;

  /**
   * Runs `fn` after every task before it. When none is running it runs at once, and a task that
   * completes synchronously returns `undefined` (the fast path: the batch is handled within the
   * upstream's write, depth-first).
   */
  private withLock(fn: () => Promise<void> | void): Promise<void> | undefined {
    if (this.running === 0) {
      this.running++;
      let r: Promise<void> | void;
      try {
        r = fn();
      } catch (err) {
        this.running--;
        return Promise.reject(err);
      }
      if (!(r instanceof Promise)) {
        this.running--;
        return undefined;
      }
      const p = r.finally(() => {
        this.running--;
      });
      this.lock = p.catch(() => {});
      return p;
    }
    this.running++;
    const p = this.lock.then(fn).finally(() => {
      this.running--;
    });
    this.lock = p.catch(() => {});
    return p;
  }

  protected process(batch: Batch): Promise<void> | undefined {
    return this.withLock(() => {
      const records = batch.records;
      let ts = batch.timestamps;
      if (this.processingTime === null) this.processingTime = ts === null;
      if (ts === null) ts = new Array<number>(records.length).fill(this.spec.clock.now());
      return this.addFrom(batch, ts, 0);
    });
  }

  /** Folds records `from..` of the batch in, then flushes; synchronous unless it must wait. */
  private addFrom(batch: Batch, ts: number[], from: number): Promise<void> | undefined {
    const records = batch.records;
    const keyFn = this.spec.keyFn as ((r: unknown) => unknown) | null;
    const acks = batch.acks;
    try {
      this.strategy.addBatch(keyFn, records, ts, from, records.length, acks);
    } catch (err) {
      if (!(err instanceof KeyFailure)) throw err;
      // the records before it are folded in: let the fault policy decide (it may retry
      // asynchronously), then go on after it
      const i = err.index;
      const r = records[i];
      return this.keyAfterError(keyFn!, err.error, r).then((k) => {
        if (k !== SKIP) this.strategy.add(k, r, ts[i], acks);
        return this.addFrom(batch, ts, i + 1);
      });
    }
    const w = this.flush(acks);
    if (w !== undefined) return w.then(() => this.afterBatch(acks));
    this.afterBatch(acks);
    return undefined;
  }

  private afterBatch(acks: AckToken[] | null): void {
    this.release(acks);
    if (this.processingTime) this.armTimer();
  }

  /**
   * Emits fired results (with their tokens) and late records (with the current batch's).
   * Synchronous (returns `undefined`) unless an output is full or aggregators are async.
   */
  private flush(batchAcks: AckToken[] | null): Promise<void> | undefined {
    if (this.plan.async) return this.flushAsync(batchAcks);
    let w1: Promise<void> | undefined;
    let w2: Promise<void> | undefined;
    if (this.out.length > 0) {
      const { records: out, timestamps: ts } = this.out.take();
      const acks = this.outAcks.length === 0 ? null : this.outAcks;
      this.outAcks = [];
      // the output envelopes hold their own references on `acks` once written
      w1 = this.emitNow(out, acks, ts);
      if (w1 === undefined) releaseAll(acks);
      else w1 = w1.then(() => releaseAll(acks));
    }
    if (this.lateOut.length > 0) {
      const late = this.lateOut;
      const ts = this.lateTs;
      this.lateOut = [];
      this.lateTs = [];
      w2 = this.emitNow(late, batchAcks, ts, LATE);
    }
    if (w1 === undefined) return w2;
    return w2 === undefined ? w1 : Promise.all([w1, w2]).then(() => {});
  }

  /** {@link WindowNode.flush} with async aggregators: the batch's collects, then the results' yields. */
  private async flushAsync(batchAcks: AckToken[] | null): Promise<void> {
    await this.plan.drain();
    if (this.out.length > 0) {
      const { records: out, timestamps: ts } = this.out.take();
      await this.plan.resolve(out);
      const acks = this.outAcks.length === 0 ? null : this.outAcks;
      this.outAcks = [];
      await this.emit(out, acks, ts);
      releaseAll(acks);
    }
    if (this.lateOut.length > 0) {
      const late = this.lateOut;
      const ts = this.lateTs;
      this.lateOut = [];
      this.lateTs = [];
      await this.emit(late, batchAcks, ts, LATE);
    }
  }

  protected override onWatermark(wm: number): Promise<void> | undefined {
    if (this.processingTime === true) return undefined;
    return this.withLock(() => {
      this.strategy.advance(wm);
      return this.flush(null);
    });
  }

  private armTimer(): void {
    const at = this.strategy.nextFireTime();
    if (at === this.timerAt || !Number.isFinite(at)) return;
    if (this.timer !== null) this.spec.clock.clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.max(0, at - this.spec.clock.now() + 1);
    this.timer = this.spec.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.withLock(async () => {
        if (this.settled) return;
        this.strategy.advance(this.spec.clock.now());
        await this.flush(null);
        this.armTimer();
      })?.catch((err) => this.fail(err));
    }, delay);
  }

  protected override onInputsEnded(): Promise<void> | undefined {
    return this.withLock(() => {
      this.releaseResources();
      this.strategy.fireAll();
      return this.flush(null);
    });
  }

  protected override releaseResources(): void {
    if (this.timer !== null) this.spec.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.earlyTimer !== null) this.spec.clock.clearTimeout(this.earlyTimer);
    this.earlyTimer = null;
  }
}
