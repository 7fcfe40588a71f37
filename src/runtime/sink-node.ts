import { AsyncLocalStorage } from "node:async_hooks";
import type { Sink } from "../operators/sink.js";
import { REJECT } from "../operators/source.js";
import type { Barrier, Batch } from "./envelope.js";
import { type FaultHandler, faultHandler, SKIP } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";

/**
 * Marks the `produce([record])` calls a record-level retry makes, so that a `reject()` made
 * from inside one (the record refused again) fails that attempt instead of starting nested
 * retries, while `reject()` calls of the original batch — even concurrent ones — are each
 * handled by the policy. Only the reject path pays for it.
 */
const retryScope = new AsyncLocalStorage<SinkNode>();

/**
 * For a Sink shared by the lanes of a `shard` (one SinkNode per lane): which lane's `produce`
 * a `reject()` comes from, so the record goes to that lane's policy and counters.
 */
const produceScope = new AsyncLocalStorage<SinkNode>();

/**
 * Runs a {@link Sink}: one `produce(batch)` at a time, awaited before the next batch is taken
 * from its input buffer (so a slow sink fills the buffer and backpressure reaches the
 * producers). Fault policies apply per batch. Its `completion` is the Pipeline's promise.
 * @internal
 */
export class SinkNode extends RuntimeNode {
  private handler!: FaultHandler;
  /** Index of the batch being produced (set before each `produce`), for batch-level errors. */
  private batchIndex = 0;
  /** Records of the current batch the sink rejected (skipped or dead-lettered one by one). */
  private rejected = 0;
  private recordHandler!: FaultHandler;
  /** Set when the Sink is shared by several nodes (the lanes of a `shard`). */
  replicated = false;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    readonly sink: Sink<unknown>,
  ) {
    super(id, name, "sink", job, settings, sink, sink.name ?? sink.constructor.name);
  }

  override compile(): void {
    const op = { name: this.operatorName, kind: "sink" };
    this.handler = faultHandler(
      this,
      op,
      this.settings.onError,
      (batch) => this.produceBatch(batch as unknown[]),
      this.sink.failback === undefined ? undefined : (e, b) => this.sink.failback!(e, b as unknown[]),
      () => this.batchIndex,
    );
    this.recordHandler = faultHandler(this, op, this.settings.onError, (record) =>
      // a retried record that the sink rejects again fails this attempt (no nested retries)
      retryScope.run(this, () => this.sink.produce([record])),
    );
    this.sink[REJECT] = (record, err) => (produceScope.getStore() ?? this).rejectRecord(record, err);
  }

  /**
   * Two-phase commit, first phase: every batch before barrier `b` was produced (this node
   * handles one chunk at a time), so the sink seals what it wrote for checkpoint `b.id` before
   * the node acknowledges the barrier. A Sink shared by a shard's lanes is pre-committed once,
   * when the last lane passed the barrier (each lane waits for it: records after the barrier
   * of one lane never reach the sink before it is sealed).
   */
  protected override beforeBarrier(b: Barrier): void | Promise<void> {
    return this.preCommit(b.id);
  }

  override preCommitAtEnd(id: number): void | Promise<void> {
    return this.preCommit(id);
  }

  private preCommit(id: number): void | Promise<void> {
    // a replica's hooks (SharedHooks) always have preCommit: it calls the Sink's once per checkpoint
    if (this.replicated) return this.operator!.preCommit!(id);
    if (typeof this.sink.preCommit !== "function") return;
    return this.sink.preCommit(id);
  }

  private produceBatch(records: unknown[]): void | Promise<void> {
    return this.replicated
      ? produceScope.run(this, () => this.sink.produce(records))
      : this.sink.produce(records);
  }

  /** One record of the batch being produced, through this node's fault policy. */
  private rejectRecord(record: unknown, err: unknown): void | Promise<void> {
    if (retryScope.getStore() === this) throw err;
    const r = this.recordHandler(err, record);
    const settle = (v: unknown) => {
      if (v === SKIP) this.rejected++;
    };
    if (r instanceof Promise) return r.then(settle);
    settle(r);
  }

  /**
   * Produces one batch. Synchronous (returns `undefined`) when `produce` is and nothing was
   * rejected or dead-lettered: the batch then costs no Promise and its acks are released at once.
   */
  protected process(batch: Batch): Promise<void> | undefined {
    this.batchIndex = this.nextBatchIndex();
    this.rejected = 0;
    let r: unknown;
    try {
      r = this.produceBatch(batch.records);
    } catch (err) {
      return this.produceFailed(batch, err);
    }
    if (r instanceof Promise) return this.produceAsync(batch, r);
    this.stats.recordsOut += batch.records.length - this.rejected;
    if (this.pendingDeadLetters.length > 0) return this.endBatchAsync(batch);
    this.release(batch.acks);
    return undefined;
  }

  private async produceAsync(batch: Batch, pending: Promise<unknown>): Promise<void> {
    try {
      await pending;
      this.stats.recordsOut += batch.records.length - this.rejected;
    } catch (err) {
      return this.produceFailed(batch, err);
    }
    await this.endBatchAsync(batch);
  }

  private async endBatchAsync(batch: Batch): Promise<void> {
    if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
    this.release(batch.acks);
  }

  /**
   * `produce` threw or rejected: the batch goes through the sink's fault policy. If the node
   * was cancelled or failed meanwhile, the handler rethrows (its signal aborted) and the input
   * port's `fail` is a no-op: nothing is retried or dead-lettered.
   */
  private async produceFailed(batch: Batch, err: unknown): Promise<void> {
    // the failure path: awaiting a synchronous answer too costs nothing worth sparing
    const r = await this.handler(err, batch.records);
    if (r !== SKIP) this.stats.recordsOut += batch.records.length - this.rejected;
    await this.endBatchAsync(batch);
  }
}
