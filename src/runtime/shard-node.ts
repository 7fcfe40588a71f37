import { hashKey } from "../util/hash.js";
import type { Batch } from "./envelope.js";
import { SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";

/** Settings of `shard(keyFn, { parallelism })`. @internal */
export interface ShardSpec {
  readonly keyFn: (record: never) => unknown;
  readonly parallelism: number;
}

/**
 * The partitioner of `shard(keyFn, { parallelism })`: sends each record to lane
 * `hash(keyFn(record)) mod parallelism` (the same key always to the same lane, in arrival
 * order), one sub-batch per lane and input batch. Output `i` is lane `i`'s node, which runs the
 * operators after the shard on its own, so async work in different lanes proceeds
 * concurrently (Flink's keyBy with parallelism, inside one process). A key selector that
 * throws goes through the node's fault policy.
 * @internal
 */
export class ShardNode extends RuntimeNode {
  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: ShardSpec,
  ) {
    super(id, name, "shard", job, settings, null, "shard");
  }

  protected async process(batch: Batch): Promise<void> {
    const n = this.outputs.length;
    const records = batch.records;
    const ts = batch.timestamps;
    const outs: unknown[][] = Array.from({ length: n }, () => []);
    const outTs: number[][] | null = ts === null ? null : Array.from({ length: n }, () => []);
    const keyFn = this.spec.keyFn as (r: unknown) => unknown;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      let key: unknown;
      try {
        key = keyFn(r);
      } catch (err) {
        key = await this.keyAfterError(keyFn, err, r);
        if (key === SKIP) continue;
      }
      const lane = n === 1 ? 0 : hashKey(key) % n;
      outs[lane].push(r);
      if (outTs !== null) outTs[lane].push(ts![i]);
    }
    await this.emitOutputs(outs, outTs, batch.acks);
    this.release(batch.acks);
  }
}
