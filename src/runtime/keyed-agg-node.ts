import type { AggregatorSpec } from "../states/aggregator-spec.js";
import { KeyedStateStore } from "../states/keyed-state-store.js";
import type { Batch } from "./envelope.js";
import { faultHandler, SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";
import { type AggPlan, aggPlan } from "./windows/agg-plan.js";

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
export class KeyedAggNode extends RuntimeNode {
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
