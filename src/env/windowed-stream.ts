import { ConfigError } from "../errors.js";
import type { TimestampSpec } from "../runtime/timestamp-node.js";
import { LATE, type LateGroup, type WindowSpec } from "../runtime/window-node.js";
import { type AggregatorSpec, aggregatorFactory, aggregatorSpec } from "../states/aggregator-spec.js";
import type { StateAggregator, StateAggregatorClass } from "../states/state-aggregator.js";
import { checkWindowTrigger, type WindowTrigger } from "../states/windows/triggers.js";
import { checkWindowAssigner, type WindowAssigner } from "../states/windows/window-assigner.js";
import { checkInt } from "../util/validate.js";
import type { AggSpec, WindowResult, WindowValue } from "./agg-spec.js";
import type { LogicalNode } from "./graph.js";
import { Stream } from "./stream.js";

/**
 * Where the `lateRecords()` stream of a windowed stream is, shared by its copies with the same
 * allowed lateness. Every aggregation of such copies sees the same late records (same input,
 * assigner and lateness), so only the first one's window node feeds the side output; the
 * others know the records are kept there (`late.listened`) and neither emit nor drop them.
 * @internal
 */
interface LateHolder {
  node: LogicalNode | null;
  windows: LogicalNode[];
  /** Read by the window nodes of this group at run time. */
  readonly late: LateGroup;
}

/** Late side outputs of a windowed stream and its copies, one per allowed lateness. @internal */
type LateHolders = Map<number, LateHolder>;

/**
 * A keyed (or non-keyed) stream cut into windows (see docs/windows.md), built by
 * `keyBy(k).window(assigner)` or `window(assigner)`. Configure with `allowedLateness(ms)`,
 * then aggregate with `agg(...)` into a Stream of results. Semantics follow Flink:
 * half-open `[start, end)` windows fire when the watermark reaches `end - 1`; at the end of a
 * bounded input every window fires; without `withTimestamps` they use processing time.
 *
 * @typeParam T - record type.
 * @typeParam K - key type (`undefined` for a non-keyed window).
 */
export class WindowedStream<T, K = undefined> {
  /** The window assigner (checked and normalised when the graph is built). */
  readonly assigner: WindowAssigner;

  /**
   * @internal
   * @throws ConfigError if `assigner` is not a window assigner (`window("tumbling")`).
   */
  constructor(
    /** @internal */ readonly input: Stream<T>,
    /** @internal */ readonly keyFn: ((record: T) => K) | null,
    assigner: WindowAssigner,
    /** Allowed lateness in ms (default 0). */ readonly lateness = 0,
    /** @internal */ readonly lateHolders: LateHolders = new Map(),
    /** When windows emit (default `onWatermark()`). */ readonly emission: WindowTrigger = {
      kind: "watermark",
    },
  ) {
    this.assigner = checkWindowAssigner(assigner, "window(assigner)");
  }

  /**
   * Emission control: `earlyEvery(ms)` (early results of open windows every `ms` of processing
   * time, then the final one), `onEveryRecord()`, or `onWatermark()` (the default).
   * @throws ConfigError for anything else.
   */
  trigger(trigger: WindowTrigger): WindowedStream<T, K> {
    const t = checkWindowTrigger(trigger, "trigger(trigger)");
    return new WindowedStream(this.input, this.keyFn, this.assigner, this.lateness, this.lateHolders, t);
  }

  /**
   * Keeps window state `ms` more after a window fired: a late record within it updates the
   * window and fires it again with the updated result (Flink's allowedLateness); records later
   * than that go to {@link WindowedStream.lateRecords} or are counted in the run report.
   * @throws ConfigError if `ms` is not an integer >= 0.
   */
  allowedLateness(ms: number): WindowedStream<T, K> {
    checkInt("allowedLateness(ms)", ms, 0);
    return new WindowedStream(this.input, this.keyFn, this.assigner, ms, this.lateHolders, this.emission);
  }

  /**
   * The records that arrived after their windows were gone (past allowed lateness), as a side
   * output stream (Flink's sideOutputLateData). Without it they are counted (`lateDropped`).
   * Each late record appears once, however many `agg()`s were built on this windowed stream
   * (and its copies with the same allowed lateness): they all see the same late records. The
   * late records of a copy with another `allowedLateness` are that copy's `lateRecords()`.
   */
  lateRecords(): Stream<T> {
    const env = this.input.env;
    const holder = this.holder();
    if (holder.node === null) {
      holder.node = env.addNode("union", "lateRecords", null, { name: "lateRecords" }, []);
      holder.late.listened = true;
      if (holder.windows.length > 0) env.connect(new Stream(env, holder.windows[0], null), holder.node, LATE);
    }
    return new Stream<T>(env, holder.node, null);
  }

  /** The late side output of the copies with this stream's allowed lateness. */
  private holder(): LateHolder {
    let h = this.lateHolders.get(this.lateness);
    if (h === undefined) {
      h = { node: null, windows: [], late: { listened: false } };
      this.lateHolders.set(this.lateness, h);
    }
    return h;
  }

  /**
   * Aggregates each (key, window): with a spec `{ field: aggregator }` the results are
   * `{ key, window: { start, end }, ...fields }`; with one aggregator instance or class,
   * `{ key, window, value }`. Aggregators are templates, cloned per key and window.
   * @throws ConfigError for a bad spec, or a session window with an aggregator lacking `merge`.
   */
  agg<S extends AggSpec<T>>(spec: S): Stream<WindowResult<K, S>>;
  agg<O>(aggregator: StateAggregator<T, O> | StateAggregatorClass<T, O>): Stream<WindowValue<K, O>>;
  agg<R>(spec: unknown): Stream<R> {
    return this.aggregate<R>(aggregatorSpec(spec));
  }

  private aggregate<R>(aggregators: AggregatorSpec): Stream<R> {
    if (this.assigner.kind === "session") {
      for (const f of aggregators.factories) {
        if (!f.mergeable) {
          throw new ConfigError(
            `session windows merge sessions, so their aggregators need merge(other); ${f.name} has none`,
          );
        }
      }
      cutTouchingRecords(this.input.node);
    }
    const env = this.input.env;
    const holder = this.holder();
    const ws: WindowSpec = {
      keyFn: this.keyFn as WindowSpec["keyFn"],
      assigner: this.assigner,
      aggregators,
      allowedLateness: this.lateness,
      clock: env.options.clock,
      trigger: this.emission,
      late: holder.late,
    };
    const node = env.addNode("window", `window:${this.assigner.kind}`, ws, {}, [
      this.input as Stream<unknown>,
    ]);
    holder.windows.push(node);
    if (holder.node !== null && holder.windows.length === 1)
      env.connect(new Stream(env, node, null), holder.node, LATE);
    return new Stream<R>(env, node, null);
  }

  /**
   * The original design's state-generator style: `use(AggregatorClass, ...args)` constructs
   * `new AggregatorClass(...args)` for every key and window; results are `{ key, window, value }`.
   * @throws ConfigError if `Aggregator` is not a StateAggregator class.
   */
  use<O, A extends unknown[]>(
    Aggregator: new (...args: A) => StateAggregator<T, O>,
    ...args: A
  ): Stream<WindowValue<K, O>> {
    return this.aggregate({
      fields: null,
      factories: [aggregatorFactory(Aggregator, "use(Aggregator)", args)],
    });
  }
}

/**
 * Session windows merge a record with a session it touches (`ts === end`); whether that session
 * is still there (or fired) when the record comes depends on the watermark just before it. Asks
 * the `withTimestamps` nodes feeding `node` (through unions) to send the watermark before a record
 * at `watermark + 1` too, so results never depend on where batches end.
 */
function cutTouchingRecords(node: LogicalNode): void {
  if (node.kind === "timestamps") (node.operator as TimestampSpec).cutAhead = 1;
  else if (node.kind === "union") for (const e of node.inputs) cutTouchingRecords(e.from);
}
