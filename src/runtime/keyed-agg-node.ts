import { StateError } from "../errors.js";
import type { AggregatorSpec } from "../states/aggregator-spec.js";
import { KeyedStateStore } from "../states/keyed-state-store.js";
import type { NodeState, Snapshottable } from "./checkpoint/snapshot-types.js";
import { checkState, expectState, isPairs } from "./checkpoint/state-shape.js";
import type { Batch } from "./envelope.js";
import { faultHandler, SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";
import { type AggPlan, aggPlan } from "./windows/agg-plan.js";

/** Checkpoint of a {@link KeyedAggNode}: `[key, state]` pairs in key insertion order. @internal */
export interface KeyedAggNodeState {
  readonly kind: string;
  readonly v: 1;
  readonly keys: [unknown, unknown][];
}

/** Settings of a running keyed aggregation. @internal */
export interface KeyedAggSpec {
  readonly keyFn: (record: never) => unknown;
  /** `agg({...})`: the aggregators per key, normalised (the node builds its own plan). */
  readonly aggregators: AggregatorSpec | null;
  /** `reduce(fn)`: the previous reduced value (first record as is) and the record. */
  readonly reducer: ((acc: never, record: never) => unknown) | null;
}

/**
 * `keyBy(k).agg({...})` / `keyBy(k).reduce(fn)`: a running aggregation per key with no window
 * (Kafka Streams' KGroupedStream.aggregate / reduce): every record updates its key's state and
 * emits the updated result (`{ key, ...fields }`, or the reduced value), with the record's
 * timestamp. The state is a {@link KeyedStateStore} (snapshot-ready for checkpoints).
 * @internal
 */
export class KeyedAggNode extends RuntimeNode implements Snapshottable {
  readonly store = new KeyedStateStore<unknown, unknown>();
  private readonly plan: AggPlan | null;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: KeyedAggSpec,
  ) {
    super(id, name, "keyedAgg", job, settings, null, spec.aggregators === null ? "reduce" : "agg");
    this.plan = spec.aggregators === null ? null : aggPlan(spec.aggregators);
  }

  /** Keys held. */
  override get stateCount(): number {
    return this.store.size;
  }

  /**
   * Every key's state between batches, in key insertion order: the aggregators' snapshots
   * (`agg`), or a structured clone of the reduced values (`reduce`).
   * @throws StateError when a reduced value or a snapshot is not structured-clonable.
   */
  snapshotState(): KeyedAggNodeState {
    const plan = this.plan;
    let keys: [unknown, unknown][];
    try {
      keys = plan === null ? this.store.snapshot() : this.store.snapshot((st) => plan.snapshotState(st));
    } catch (err) {
      if (err instanceof StateError) throw err;
      throw new StateError(
        `node "${this.name}": its keyed state cannot be copied into a checkpoint (${(err as Error).message}): reduce() must return plain data (objects, arrays, Map, Set, numbers, strings)`,
        { node: this.name, cause: err },
      );
    }
    return { kind: this.stateKind, v: 1, keys };
  }

  /**
   * Restores {@link KeyedAggNode.snapshotState} into this freshly built node.
   * @throws StateError naming the node when `state` is not the state of a keyed `agg` (or
   *   `reduce`) node with the same aggregators.
   */
  restoreState(state: NodeState): void {
    const s = expectState<KeyedAggNodeState>(this.name, this.stateKind, state);
    checkState(isPairs(s.keys), this.name, "keys: [[key, state], ...]");
    const plan = this.plan;
    if (plan === null) this.store.restore(s.keys);
    else this.store.restore(s.keys, (p) => plan.restoreState(p, this.name));
  }

  private get stateKind(): string {
    return this.plan === null ? "keyedAgg:reduce" : "keyedAgg:agg";
  }

  protected async process(batch: Batch): Promise<void> {
    const records = batch.records;
    const ts = batch.timestamps;
    const out: unknown[] = [];
    const outTs: number[] | null = ts === null ? null : [];
    const keyFn = this.spec.keyFn as (r: unknown) => unknown;
    const plan = this.plan;
    const reducer = this.spec.reducer as ((a: unknown, r: unknown) => unknown) | null;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      let key: unknown;
      try {
        key = keyFn(r);
      } catch (err) {
        key = await this.keyAfterError(keyFn, err, r);
        if (key === SKIP) continue;
      }
      if (plan !== null) {
        let st = this.store.get(key);
        if (st === undefined) {
          st = plan.newState();
          this.store.set(key, st);
        }
        plan.collect(st, r);
        out.push(plan.keyedResult(key, st));
      } else {
        const prev = this.store.get(key);
        let next: unknown;
        if (prev === undefined && !this.store.has(key)) next = r;
        else {
          try {
            next = reducer!(prev, r);
          } catch (err) {
            const h = faultHandler(this, "reduce", this.settings.onError, (x) => reducer!(prev, x));
            next = h(err, r);
            if (next instanceof Promise) next = await next;
            if (next === SKIP) continue;
          }
        }
        this.store.set(key, next);
        out.push(next);
      }
      if (outTs !== null) outTs.push(ts![i]);
    }
    if (plan?.async) {
      await plan.drain();
      await plan.resolve(out);
    }
    await this.emit(out, batch.acks, outTs);
    this.release(batch.acks);
  }
}
