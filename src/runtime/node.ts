import { describeError, PipelineError, StateError } from "../errors.js";
import type { OperatorContext } from "../operators/context.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import type { StageSpec } from "../operators/stage.js";
import type { OperatorPart } from "../states/checkpoints/checkpoint-store.js";
import { type AckToken, releaseAll, retainAll } from "./ack.js";
import { type ChainBranch, stageKindName } from "./chain.js";
import { endBranch } from "./chain-failure.js";
import { isSnapshottable, type Snapshottable } from "./checkpoint/snapshot-types.js";
import { describeState } from "./checkpoint/state-shape.js";
import { Barrier, type Batch, type Chunk, StreamStatus, Watermark } from "./envelope.js";
import { describeOperator, type FaultHandler, type FaultScope, faultHandler } from "./fault.js";
import { FusedChains, MAIN } from "./fused-chains.js";
import type { Hooks, JobContext, NodeSettings, NodeStatus } from "./node-types.js";
import { writeBatches, writeControl } from "./output.js";
import { InputPort, type PortOwner } from "./port.js";
import { type NodeCounters, newStats, type OperatorStats } from "./stats.js";
import { type ValveState, WatermarkValve } from "./watermark-valve.js";

export type { Hooks, JobContext, NodeSettings, NodeStatus } from "./node-types.js";

/** A barrier being aligned on a node with several inputs. */
interface Alignment {
  readonly barrier: Barrier;
  readonly arrived: Set<number>;
  readonly held: Promise<void>;
  readonly release: () => void;
}

export { MAIN, stageKindName };

/**
 * One physical node of a running job: a source, a transform (with its fused stage chain), a
 * mapAsync, a sink... It owns its input ports (bounded objectMode Writables), writes to the
 * input ports of its downstream nodes, runs its operator's lifecycle hooks (cleanup exactly
 * once on every path) and propagates watermarks (minimum over its live inputs).
 * @internal
 */
export abstract class RuntimeNode implements PortOwner, FaultScope {
  readonly inputs: InputPort[] = [];
  readonly outputs: InputPort[] = [];
  readonly upstream: RuntimeNode[] = [];
  readonly downstream: RuntimeNode[] = [];
  /** The fused stage trees under this node's outputs and their compiled runners. */
  readonly chains = new FusedChains({
    outputs: () => this.outputs.length,
    rootStage: () => this.rootStage(),
    handlerFor: (b) => this.handlerFor(b),
    stageFailed: (b, err, isRoot) => this.stageFailed(b, err, isRoot),
  });
  readonly stats: NodeCounters = newStats();
  readonly pendingDeadLetters: DeadLetter[] = [];
  status: NodeStatus = "created";
  error?: PipelineError;
  /**
   * Errors of fused stages that failed under `'fail'` while the node ran on for its other
   * branches (failure isolation inside a chain).
   */
  readonly branchErrors: PipelineError[] = [];
  /** Set on a node whose pipeline was ended by a failure elsewhere. */
  cancelReason?: Error;
  readonly completion: Promise<void>;
  protected readonly abort = new AbortController();
  private readonly valve = new WatermarkValve();
  private endedInputs = 0;
  private tail: Promise<void> = Promise.resolve();
  private resolveCompletion!: () => void;
  private cleanedUp = false;
  private batchCounter = 0;
  /** Records the node's own operator handed to its chain (not counting a calculator's calc outputs). */
  private ownEmitted = 0;
  /**
   * Stable operator id of the node's state in checkpoints: the name the user gave, else
   * `kind@id` (set by the job builder; see docs/checkpoints.md). Default: the node id.
   */
  stateId: string;
  /**
   * A user operator that keeps state of its own for checkpoints (a Calculator or Sink
   * implementing `snapshotState` / `restoreState`), set by the job builder.
   */
  userState: Snapshottable | null = null;
  /** The barrier alignment under way (several inputs), if any. */
  private alignment: Alignment | null = null;
  /** Inputs that ended (they count as aligned). */
  private readonly endedInput: boolean[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    readonly kind: string,
    readonly job: JobContext,
    readonly settings: NodeSettings,
    /** The node's own operator (source, calculator, sink), whose hooks are called. */
    public operator: Hooks | null,
    /** Name of the node's main operator, for errors. */
    readonly operatorName: string,
  ) {
    this.completion = new Promise((resolve) => {
      this.resolveCompletion = resolve;
    });
    this.stateId = id;
  }

  /** What holds the node's checkpointed state: the node itself, or its user operator, or nothing. */
  get stateHolder(): Snapshottable | null {
    return isSnapshottable(this) ? this : this.userState;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Keys, windows or records held in state (0 for stateless nodes). */
  get stateCount(): number {
    return 0;
  }

  /** The node's current (combined) event-time watermark. */
  get watermark(): number {
    return this.valve.current;
  }

  /**
   * The per-input and combined watermarks, for the checkpoint of a node whose state depends on
   * them (windows, joins): restored with {@link RuntimeNode.restoreWatermarks}, a record that was
   * late before the checkpoint is late after the restore too (Flink keeps the watermark in its
   * timer service's snapshot the same way).
   */
  protected snapshotWatermarks(): ValveState {
    return this.valve.snapshot();
  }

  /**
   * Restores {@link RuntimeNode.snapshotWatermarks}.
   * @throws StateError naming the node when `s` is not the state of a node with as many inputs.
   */
  protected restoreWatermarks(s: unknown): void {
    if (!this.valve.restore(s)) {
      throw new StateError(
        `node "${this.name}": cannot restore its watermarks: expected { marks, idle, lastFinite, current } for ${this.inputs.length} input(s), got ${describeState(s)}`,
        { node: this.name },
      );
    }
  }

  /** Whether the node reached a final state. */
  get settled(): boolean {
    return this.status === "finished" || this.status === "failed" || this.status === "cancelled";
  }

  /** Adds an input edge with its own bounded buffer. */
  addInput(highWaterMark: number): InputPort {
    const port = new InputPort(this, this.inputs.length, highWaterMark);
    this.inputs.push(port);
    this.valve.addInput();
    return port;
  }

  /** Extra stages to place at the root of the chain (a calculator), if any. */
  protected rootStage(): StageSpec | null {
    return null;
  }

  /**
   * Counters of the node's own operator (its source, sink, calculator, mapAsync, window...),
   * apart from the stages fused after it: records in, records it handed on, and what its own
   * fault handling skipped, dead-lettered or retried (the node's totals less its stages').
   */
  ownOperatorStats(): OperatorStats {
    const s = this.stats;
    const own: OperatorStats = {
      recordsIn: s.recordsIn,
      recordsOut:
        this.kind === "sink" ? s.recordsOut : (this.chains.rootStats?.recordsOut ?? 0) + this.ownEmitted,
      skipped: s.skipped,
      deadLettered: s.deadLettered,
      retries: s.retries,
    };
    for (const b of this.stageBranches()) {
      own.skipped -= b.stats!.skipped;
      own.deadLettered -= b.stats!.deadLettered;
      own.retries -= b.stats!.retries;
    }
    return own;
  }

  /** Compiles the fused chains (main output without timestamps; others on first use). */
  compile(): void {
    this.chains.runner(MAIN, false, false);
  }

  /** A fused stage gave up under `'fail'`: see {@link endBranch}. */
  protected stageFailed(branch: ChainBranch, err: unknown, isRoot: boolean): void {
    endBranch(this, branch, err, isRoot);
  }

  /** Every fused stage of the node (not its calculator), with its branch (counters, id, state). */
  stageBranches(): ChainBranch[] {
    return this.chains.branches();
  }

  private keyHandler: FaultHandler | null = null;

  /**
   * For nodes that key records: the node's fault policy for a record whose key selector threw.
   * Resolves with a key (a retry that succeeded) or {@link SKIP} (skipped or dead-lettered);
   * rejects under `'fail'`.
   */
  protected async keyAfterError(
    keyFn: (r: unknown) => unknown,
    err: unknown,
    record: unknown,
  ): Promise<unknown> {
    this.keyHandler ??= faultHandler(this, { name: "keyBy", kind: "keyBy" }, this.settings.onError, keyFn);
    return this.keyHandler(err, record);
  }

  /** Builds the fault handler of a stage. */
  protected handlerFor(b: ChainBranch): FaultHandler {
    const s = b.stage!;
    const policy = s.onError ?? this.settings.onError;
    const op = { name: s.name, kind: stageKindName(s.kind), stats: b.stats };
    if (s.kind === "calc") {
      const calc = s.calculator!;
      return faultHandler(
        this,
        { name: s.name, kind: this.kind, stats: undefined },
        policy,
        (x) => calc.calc(x),
        calc.failback === undefined ? undefined : (e, x) => calc.failback!(e, x),
      );
    }
    return faultHandler(this, op, policy, s.fn as (x: unknown) => unknown);
  }

  /** The context given to `open(ctx)`. */
  protected context(operator: string): OperatorContext {
    return {
      envName: this.job.envName,
      node: this.name,
      operator,
      batchSize: this.settings.batchSize,
      highWaterMark: this.settings.highWaterMark,
      lingerMs: this.settings.lingerMs,
      logger: this.job.logger,
      signal: this.abort.signal,
      checkpoints: this.job.checkpoints !== null && this.job.checkpoints !== undefined,
    };
  }

  /** Opens the operator. Failures fail the node. */
  async open(): Promise<void> {
    this.status = "running";
    try {
      await this.operator?.open?.(this.context(this.operatorName));
    } catch (err) {
      this.fail(err);
    }
  }

  // ---- data path -------------------------------------------------------------------------

  handleChunk(index: number, chunk: Chunk): void | Promise<void> {
    if (this.settled) return;
    if (chunk instanceof Barrier) return this.inputBarrier(index, chunk);
    if (this.inputs.length > 1) {
      const next = this.tail.then(() => this.dispatch(index, chunk));
      this.tail = next.catch(() => {});
      return next;
    }
    return this.dispatch(index, chunk);
  }

  private dispatch(index: number, chunk: Exclude<Chunk, Barrier>): void | Promise<void> {
    if (this.settled) return;
    if (chunk instanceof Watermark) return this.inputWatermark(index, chunk.ts);
    if (chunk instanceof StreamStatus) return this.inputStatus(index, chunk.idle);
    this.valve.active(index);
    this.stats.recordsIn += chunk.records.length;
    return this.process(chunk, index);
  }

  // ---- checkpoint barriers ---------------------------------------------------------------

  /**
   * A barrier arrived on input `index`. With one input: snapshot and forward now (every batch
   * before it was handled: the port hands chunks one at a time). With several (Flink's aligned
   * checkpoints): the barrier is registered in order with the other inputs' chunks, and this
   * input is held (its `_write` callback waits, so its buffer fills and its producer gets
   * backpressure) until the barrier arrived on every input that has not ended; then the node
   * snapshots, forwards the barrier, and every held input goes on.
   */
  private inputBarrier(index: number, b: Barrier): Promise<void> | undefined {
    if (this.inputs.length <= 1) return this.passBarrier(b);
    const registered = this.tail.then(() => this.alignBarrier(index, b));
    this.tail = registered.then(
      () => {},
      () => {},
    );
    return registered.then((r) => r.held);
  }

  private async alignBarrier(index: number, b: Barrier): Promise<{ held: Promise<void> }> {
    if (this.settled) return { held: Promise.resolve() };
    let a = this.alignment;
    if (a === null) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      a = { barrier: b, arrived: new Set(), held, release };
      this.alignment = a;
    } else if (a.barrier.id !== b.id) {
      throw new Error(
        `internal: barrier ${b.id} arrived on input ${index} of "${this.name}" while aligning barrier ${a.barrier.id}`,
      );
    }
    a.arrived.add(index);
    const held = a.held;
    await this.completeAlignment();
    return { held };
  }

  /** Passes the barrier under alignment once every input delivered it or ended. */
  private async completeAlignment(): Promise<void> {
    const a = this.alignment;
    if (a === null || this.settled) return;
    for (let i = 0; i < this.inputs.length; i++) if (!a.arrived.has(i) && this.endedInput[i] !== true) return;
    this.alignment = null;
    try {
      await this.passBarrier(a.barrier);
    } finally {
      a.release();
    }
  }

  /**
   * Every record before barrier `b` is absorbed: hands the node's part (its state, its
   * watermark) to the coordinator and forwards the barrier to every output.
   */
  protected async passBarrier(b: Barrier): Promise<void> {
    if (this.settled) return;
    await this.beforeBarrier(b);
    if (this.settled) return;
    const cp = this.job.checkpoints;
    if (cp !== null) {
      const t0 = performance.now();
      const part = this.snapshotPart();
      cp.acknowledge(this, b.id, part, performance.now() - t0);
    }
    const w = this.broadcast(b);
    if (w !== undefined) await w;
  }

  /**
   * Called when a barrier passes, before the snapshot: a node that still works on records that
   * came before it (mapAsync's calls in flight) finishes them and emits their results here; a
   * sink pre-commits (two-phase commit) here.
   */
  protected beforeBarrier(_b: Barrier): void | Promise<void> {}

  /**
   * The first phase of a two-phase commit for checkpoint `id` of a node whose input already
   * ended (it waits for the final checkpoint): sinks call `preCommit(id)`; others do nothing.
   */
  preCommitAtEnd(_id: number): void | Promise<void> {}

  /**
   * Set while the node waits at the end of its run for the final checkpoint (its inputs ended,
   * it emitted everything, its `cleanup()` has not run): it answers checkpoints as finished.
   */
  drained = false;
  private markDrained!: () => void;
  /** Resolves once the node waits for the final checkpoint, or settled. */
  readonly drainedOrSettled: Promise<void> = new Promise((resolve) => {
    this.markDrained = resolve;
  });

  /**
   * With checkpoints: waits, after the node emitted everything and before its `cleanup()`, until
   * the run's final checkpoint completed (Flink's FLIP-147: the last transaction commits with the
   * final positions while every operator is still open) — or until the coordinator knows none
   * will be taken (a failure, a stop). Without checkpoints it resolves at once.
   */
  protected waitForFinalCheckpoint(): Promise<void> {
    const cp = this.job.checkpoints;
    if (cp === null || this.settled) return Promise.resolve();
    this.drained = true;
    this.markDrained();
    return cp.finalGate(this);
  }

  /**
   * The node's part of a checkpoint: its state (when it keeps any) and, for a node whose own
   * state does not hold its watermarks (stateless nodes, user Calculators and Sinks), its
   * combined watermark. Stateful runtime nodes (windows, joins, the watermark generator) keep
   * every input's watermark in their state (`snapshotWatermarks`): one path each.
   */
  protected snapshotPart(): OperatorPart {
    const holder = this.stateHolder;
    const state = holder === null ? undefined : holder.snapshotState();
    const wm = this.valve.current;
    const part: { kind: string; state?: unknown; watermark?: number } = { kind: this.kind };
    if (state !== undefined) part.state = state;
    if (Number.isFinite(wm) && (holder as object | null) !== this) part.watermark = wm;
    return part;
  }

  /** Restores the combined watermark of a checkpoint (before the first record). */
  restoreWatermark(wm: number): void {
    this.valve.restoreCurrent(wm);
  }

  /** Whether the job stops after a savepoint holding this node's state: its end-of-input flush is skipped. */
  private get suspended(): boolean {
    return this.job.checkpoints?.suspended === true && this.stateHolder !== null;
  }

  /** Handles one input batch; must release `batch.acks` once its records are handed on. */
  protected abstract process(batch: Batch, index: number): void | Promise<void>;

  /** Called when the combined watermark advanced, before it is forwarded. */
  protected onWatermark(_wm: number): void | Promise<void> {}

  /** Called once every input ended, before `done` and the end of the outputs. */
  protected onInputsEnded(): void | Promise<void> {}

  private inputWatermark(index: number, ts: number): Promise<void> | undefined {
    return this.valve.watermark(index, ts) ? this.advanceWatermark() : undefined;
  }

  private inputStatus(index: number, idle: boolean): Promise<void> | undefined {
    return this.valve.status(index, idle) ? this.advanceWatermark() : undefined;
  }

  /**
   * Runs `onWatermark` and forwards the new combined watermark. Synchronous (returns
   * `undefined`) when `onWatermark` is and every output has room: a watermark then costs no
   * Promise and the input port's write completes at once (the pipeline stays depth-first).
   */
  private advanceWatermark(): Promise<void> | undefined {
    const wm = this.valve.advance();
    if (wm === null) return undefined;
    const w = this.onWatermark(wm);
    if (w instanceof Promise) return w.then(() => this.broadcast(new Watermark(wm)));
    return this.broadcast(new Watermark(wm));
  }

  /** Writes a control chunk to every live output, waiting on backpressure. */
  protected broadcast(chunk: Watermark | StreamStatus | Barrier): Promise<void> | undefined {
    const room = writeControl(this.outputs, chunk);
    return room === undefined ? undefined : this.stats.blockedOn(room);
  }

  /**
   * Runs `records` (with their timestamps, if any) through the fused chain of output `tag` and
   * writes the results to the outputs, each split at `batchSize`, each output envelope holding
   * a reference on `acks`. The caller releases its own reference afterwards. Resolves once the
   * outputs have room again.
   * @param belowRoot - skip the root stage (a calculator) of the main chain.
   */
  protected async emit(
    records: unknown[],
    acks: AckToken[] | null,
    ts: number[] | null = null,
    tag: string = MAIN,
    belowRoot = false,
  ): Promise<void> {
    const n = this.outputs.length;
    const outs: unknown[][] = new Array(n);
    const outTs: number[][] | null = ts === null ? null : new Array(n);
    const runner = this.chains.runner(tag, ts !== null, belowRoot);
    if (belowRoot || tag !== MAIN || !this.chains.hasRoot) this.ownEmitted += records.length;
    if (runner === null) {
      const roots = this.chains.rootsOf(tag);
      let first = true;
      for (const leaf of roots) {
        outs[leaf.out] = first ? records : records.slice();
        if (outTs !== null) outTs[leaf.out] = first ? ts! : ts!.slice();
        first = false;
      }
    } else {
      for (let j = 0; j < n; j++) {
        outs[j] = [];
        if (outTs !== null) outTs[j] = [];
      }
      // a record that reached a failed stage did not make it: its source batch stays
      // unacknowledged for good (one reference that is never released)
      if (await runner(records, outs, ts, outTs)) retainAll(acks);
    }
    if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
    const w = this.send(outs, outTs, acks);
    if (w !== undefined) await w;
  }

  /**
   * Writes one array of records per output edge (no chain), each output envelope holding a
   * reference on `acks`; resolves once the outputs have room again. For nodes that route
   * records themselves (a shard's partitioner).
   */
  protected async emitOutputs(
    outs: unknown[][],
    outTs: number[][] | null,
    acks: AckToken[] | null,
  ): Promise<void> {
    if (this.pendingDeadLetters.length > 0) await this.flushDeadLetters();
    const w = this.send(outs, outTs, acks);
    if (w !== undefined) await w;
  }

  /**
   * {@link RuntimeNode.emit} without a Promise when it can: when output `tag` has no fused
   * stages (its records go to the outputs as they are) and no dead letters wait, the records are
   * written at once and a Promise is returned only if an output is full (wait on it before
   * handing on more), else `undefined`. A node whose batches are handled synchronously end to
   * end keeps the pipeline depth-first: a batch is consumed before the next one is made, so
   * records die young (far less garbage-collection work than batches queued across hops).
   * Otherwise it is `emit`.
   */
  protected emitNow(
    records: unknown[],
    acks: AckToken[] | null,
    ts: number[] | null = null,
    tag: string = MAIN,
  ): Promise<void> | undefined {
    if (this.pendingDeadLetters.length > 0 || this.chains.runner(tag, ts !== null, false) !== null) {
      return this.emit(records, acks, ts, tag);
    }
    if (tag !== MAIN || !this.chains.hasRoot) this.ownEmitted += records.length;
    const outs: unknown[][] = new Array(this.outputs.length);
    const outTs: number[][] | null = ts === null ? null : new Array(this.outputs.length);
    let first = true;
    for (const leaf of this.chains.rootsOf(tag)) {
      outs[leaf.out] = first ? records : records.slice();
      if (outTs !== null) outTs[leaf.out] = first ? ts! : ts!.slice();
      first = false;
    }
    return this.send(outs, outTs, acks);
  }

  /** Hands the dead letters of the current batch to `env.deadLetters`. */
  protected flushDeadLetters(): Promise<void> {
    return this.job.deadLetter(this.pendingDeadLetters.splice(0));
  }

  private send(
    outs: unknown[][],
    outTs: number[][] | null,
    acks: AckToken[] | null,
  ): Promise<void> | undefined {
    const { written, room } = writeBatches(this.outputs, outs, outTs, acks, this.settings.batchSize);
    this.stats.recordsOut += written;
    return room === undefined ? undefined : this.stats.blockedOn(room);
  }

  /** Index of the next batch, for batch-level errors. */
  protected nextBatchIndex(): number {
    return this.batchCounter++;
  }

  // ---- end of input ----------------------------------------------------------------------

  /**
   * For a node that got no input edge at all (e.g. `lateRecords()` of a windowed stream that was
   * never aggregated): its input is empty, so it ends at once.
   */
  endWithoutInput(): void {
    if (this.inputs.length === 0 && !this.settled) void this.finish();
  }

  inputEnded(index: number): void {
    this.valve.ended(index);
    this.endedInput[index] = true;
    if (this.alignment !== null) {
      // an ended input counts as aligned: the barrier under alignment may pass now
      const step = this.tail.then(() => this.completeAlignment());
      this.tail = step.catch((err) => this.fail(err));
    }
    if (++this.endedInputs < this.inputs.length) {
      // the combined watermark may advance now that this input is out of the minimum
      const next = this.tail.then(() => (this.settled ? undefined : this.advanceWatermark()));
      this.tail = next.catch((err) => this.fail(err));
      return;
    }
    void this.finish();
  }

  /** Flushes, calls `done`, ends the outputs and settles as finished. */
  protected async finish(): Promise<void> {
    try {
      await this.tail;
      if (this.settled) return;
      // stopped after a savepoint that holds this node's state: no end-of-input flush (the
      // state goes on in the next run, as Flink's stop-with-savepoint without --drain)
      const suspended = this.suspended;
      if (suspended) this.releaseResources();
      else await this.onInputsEnded();
      if (this.settled) return;
      if (!suspended) await this.callDone();
      if (this.settled) return;
      for (const port of this.outputs) if (!port.dead) port.end();
      await this.waitForFinalCheckpoint();
      if (this.settled) return;
      await this.settle("finished");
    } catch (err) {
      this.fail(err);
    }
  }

  /** Calls the operator's `done` hook. Subclasses that emit what `done` returns override this. */
  protected async callDone(): Promise<void> {
    await this.operator?.done?.();
  }

  // ---- failure ---------------------------------------------------------------------------

  /** Fails the node: ends the pipelines through it; other pipelines run on. */
  fail(err: unknown): void {
    if (this.settled) return;
    const perr =
      err instanceof PipelineError
        ? err
        : new PipelineError(
            `node "${this.name}", ${describeOperator(this.operatorName, this.kind)} failed: ${describeError(err)}`,
            { node: this.name, operator: this.operatorName, operatorKind: this.kind, cause: err },
          );
    this.error = perr;
    this.status = "failed";
    this.stopInputs(perr);
    this.job.nodeSettled(this);
    void this.runFinalHooks(perr, true);
  }

  /** Cancels the node because a pipeline through it ended (`reason`), or the job stopped. */
  cancel(reason: Error): void {
    if (this.settled) return;
    this.cancelReason = reason;
    this.status = "cancelled";
    this.stopInputs(reason);
    this.job.nodeSettled(this);
    void this.runFinalHooks(reason, false);
  }

  /**
   * Releases what the node itself holds (timers), on every path: called when the inputs ended,
   * and when the node fails or is cancelled. Subclasses with timers override it.
   */
  protected releaseResources(): void {}

  private stopInputs(reason: Error): void {
    this.releaseResources();
    this.alignment?.release();
    this.alignment = null;
    this.abort.abort(reason);
    for (const port of this.inputs) port.kill();
  }

  private async runFinalHooks(err: Error, fatal: boolean): Promise<void> {
    if (fatal) {
      try {
        await this.operator?.fatal?.(err);
      } catch (e) {
        this.job.logger.error({ node: this.name, err: e }, "fatal() hook threw");
      }
    }
    await this.runCleanup(err);
    this.markDrained();
    this.resolveCompletion();
  }

  /** Marks the node finished after its cleanup. */
  protected async settle(status: "finished"): Promise<void> {
    this.status = status;
    await this.runCleanup(undefined);
    this.job.nodeSettled(this);
    this.markDrained();
    this.resolveCompletion();
  }

  private async runCleanup(err: Error | undefined): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    try {
      await this.operator?.cleanup?.(err);
    } catch (e) {
      this.job.logger.error({ node: this.name, err: e }, "cleanup() hook threw");
    }
  }

  /** Releases one reference on a batch's acks. */
  protected release(acks: AckToken[] | null): void {
    releaseAll(acks);
  }
}
