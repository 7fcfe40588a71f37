import { LifecycleError } from "../errors.js";
import type { FailbackDecision } from "../operators/fault-policy.js";
import { REJECT, type Source } from "../operators/source.js";
import { abortable } from "../util/abortable.js";
import { sleep } from "../util/sleep.js";
import { AckTracker } from "./ack.js";
import { type Barrier, type Batch, Watermark } from "./envelope.js";
import { faultHandler } from "./fault.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";

/** Longest time in ms a source loop keeps the event loop to itself. */
const YIELD_MS = 8;

/**
 * Runs a {@link Source}: calls `consume(batchSize)` whenever its outputs have room, runs the
 * fused chain, and tracks acknowledgements when the source implements `ack`.
 * @internal
 */
export class SourceNode extends RuntimeNode {
  private tracker: AckTracker | null = null;
  private stopping = false;
  /** A barrier the coordinator asked for, injected after the current batch. */
  private barrier: Barrier | null = null;
  /** Set once the read loop ended (the source ended, or stopped). */
  private loopEnded = false;
  /** The source's position when its read loop ended (`snapshotPosition()`), for later checkpoints. */
  finalPosition: unknown = undefined;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    readonly source: Source<unknown>,
  ) {
    super(id, name, "source", job, settings, source, source.name ?? source.constructor.name);
    if (typeof source.ack === "function") this.tracker = new AckTracker((p) => source.ack!(p));
  }

  /** The ack tracker, if the source wants acks. */
  get acks(): AckTracker | null {
    return this.tracker;
  }

  /** Whether the source was stopped (`env.stop()`, a stop-with-savepoint) rather than ending on its own. */
  get stopped(): boolean {
    return this.stopping;
  }

  // Stryker disable all: never called (a source node has no input port)
  protected process(_batch: Batch): void {
    throw new Error("internal: a source node has no input");
  }
  // Stryker restore all

  /**
   * Graceful stop: read no more, let what is in flight drain, end normally. A `consume()` that
   * is waiting (an idle topic, an async iterable with nothing yet) is abandoned at once: the
   * node's AbortSignal (`ctx.signal` of the source) aborts so the source can end its I/O, and
   * what that call returns later is never delivered.
   */
  requestStop(): void {
    // again, or after the node settled: the signal is aborted already (a no-op), and a settled
    // source reads nothing anyway
    this.stopping = true;
    this.abort.abort(
      new LifecycleError(`env "${this.job.envName}" is stopping: source "${this.name}" reads no more`, {
        node: this.name,
      }),
    );
  }

  /**
   * Installs the handler behind `Source.reject(input, error)`. A malformed input does not parse
   * better when tried again, so a `retry(...)` policy (the node's, or one `failback` answers)
   * goes straight to its `onExhausted` (`'fail'`, `'skip'` or `'dead-letter'`): nothing is
   * dropped without being counted.
   */
  override async open(): Promise<void> {
    const noRetry = <P extends FailbackDecision>(p: P) => (typeof p === "object" ? p.onExhausted : p);
    const failback = this.source.failback;
    const handler = faultHandler(
      this,
      { name: this.operatorName, kind: "source" },
      noRetry(this.settings.onError),
      () => undefined,
      // a failback answering undefined keeps the node's policy (noRetry passes undefined on)
      failback === undefined ? undefined : (e, x) => noRetry(failback.call(this.source, e, x)),
    );
    this.source[REJECT] = (input, err) => {
      handler(err, input);
    };
    await super.open();
  }

  /**
   * Checkpoint `barrier.id` was triggered: the barrier goes out after the batch being read (at
   * the top of the read loop: after the last batch and its watermark, before the next
   * `consume`). A source whose loop already ended answers at once with its final position.
   */
  requestBarrier(barrier: Barrier): void {
    if (this.loopEnded) {
      // only the coordinator asks for barriers: the job has one
      this.job.checkpoints!.acknowledge(this, barrier.id, this.positionPart(this.finalPosition));
      return;
    }
    this.barrier = barrier;
  }

  /** The source's part of a checkpoint (an undefined position is not stored: no position). */
  private positionPart(position: unknown): { kind: string; position: unknown } {
    return { kind: this.kind, position };
  }

  /**
   * Injects the requested barrier: records `snapshotPosition()` (the position after the last
   * batch returned) as this source's part, then writes the barrier to every output. After a
   * stop-with-savepoint barrier, reads nothing more until the savepoint is stored; then stops
   * (or, if it failed, goes on).
   */
  private async injectBarrier(): Promise<void> {
    const b = this.barrier!;
    this.barrier = null;
    const cp = this.job.checkpoints!; // a barrier was asked for: the job has a coordinator
    const stopAfter = cp.stopsAfter(b.id);
    cp.acknowledge(this, b.id, this.positionPart(this.source.snapshotPosition?.()));
    await this.broadcast(b); // a barrier is rare: no need to spare the microtask
    if (stopAfter && (await cp.outcome(b.id))) this.requestStop();
  }

  /** Reads the source until it ends, the job stops, or every output is gone. */
  async run(): Promise<void> {
    const { batchSize, lingerMs } = this.settings;
    let lastYield = performance.now();
    try {
      while (!this.stopping && !this.settled) {
        if (this.barrier !== null) {
          await this.injectBarrier();
          if (this.stopping || this.settled) break;
        }
        // a pipeline of sync stages never leaves the microtask queue: give timers and I/O a
        // turn at least every YIELD_MS (one check per batch)
        const now = performance.now();
        if (now - lastYield > YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
          if (this.stopping || this.settled) break;
        }
        let got = this.source.consume(batchSize);
        if (got instanceof Promise) got = await abortable(got, this.signal, null);
        if (this.settled) return;
        if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
        if (got === null || got.length === 0) {
          // no batch to go first: the source's watermark (if it has one) can go now
          await this.forwardSourceWatermark();
        }
        if (got === null) break;
        if (got.length === 0) {
          await sleep(Math.max(1, lingerMs), this.signal).catch(() => {});
          continue;
        }
        this.stats.recordsIn += got.length;
        const acks = this.tracker === null ? null : [this.tracker.next(got.length)];
        await this.emit(got, acks);
        this.release(acks);
        await this.forwardSourceWatermark();
        // a source whose outputs all died (the nodes below failed) was cancelled with them
        // (`Job.nodeSettled`): the loop ends on `settled`
      }
      if (this.settled) return;
      this.endLoop();
      await this.finish();
    } catch (err) {
      this.fail(err);
    }
  }

  /** The read loop ended: keeps the final position, answers a barrier requested meanwhile. */
  private endLoop(): void {
    this.loopEnded = true;
    this.finalPosition = this.source.snapshotPosition?.();
    const b = this.barrier;
    this.barrier = null;
    if (b !== null) this.job.checkpoints!.acknowledge(this, b.id, this.positionPart(this.finalPosition));
  }

  /**
   * The end of a source that read its last batch (or was stopped): ends its outputs, waits
   * until every batch it emitted is acknowledged — or until every node below it settled (after
   * a failed branch some batches never will be) — and, with checkpoints, for the run's final
   * checkpoint (its `checkpointComplete` commits the final position while the source is still
   * open) — then calls `done()` (not after a stop) and `cleanup()`. So `ack()` never reaches a
   * source that already closed its client. Called by `run()` only, right after the loop ended
   * (never settled then); `run()` fails the node if `done()` throws.
   */
  protected override async finish(): Promise<void> {
    // a dead port (its node settled) ignores its end
    for (const port of this.outputs) port.end();
    // the source emitted everything: it answers checkpoints as finished from now on
    const finalCheckpoint = this.waitForFinalCheckpoint();
    if (this.tracker !== null) {
      await Promise.race([this.tracker.drained(), this.belowSettled()]);
      // an ack() failure is reported by the job (RunError) and on this node's report
      await this.tracker.flush().catch(() => {});
    }
    await finalCheckpoint;
    if (this.settled) return;
    await this.callDone();
    if (this.settled) return;
    await this.settle("finished");
  }

  /**
   * Resolves when every node downstream of this source settled, or waits for the final
   * checkpoint (it then handled everything it will).
   */
  private belowSettled(): Promise<unknown> {
    // a Set iterates over what is added while it runs: every node below, each once
    const below = new Set<RuntimeNode>(this.downstream);
    for (const n of below) for (const d of n.downstream) below.add(d);
    return Promise.all([...below].map((n) => n.drainedOrSettled));
  }

  private sourceWatermark = Number.NEGATIVE_INFINITY;

  /** Forwards `source.currentWatermark()` when it advanced: after the batch it belongs to, never before. */
  private async forwardSourceWatermark(): Promise<void> {
    const wm = this.source.currentWatermark?.() ?? Number.NEGATIVE_INFINITY;
    if (!(wm > this.sourceWatermark)) return;
    this.sourceWatermark = wm;
    const w = this.broadcast(new Watermark(wm));
    if (w !== undefined) await w;
  }

  protected override async callDone(): Promise<void> {
    if (!this.stopping) await this.source.done?.();
  }
}
