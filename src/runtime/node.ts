import { describeError, PipelineError } from "../errors.js";
import type { OperatorContext } from "../operators/context.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import type { FaultPolicy } from "../operators/fault-policy.js";
import type { StageSpec } from "../operators/stage.js";
import type { Logger } from "../util/logger.js";
import { type AckToken, releaseAll, retainAll } from "./ack.js";
import { type ChainBranch, type ChainRunner, compileChain, isIdentity, leavesOf } from "./chain.js";
import { type Batch, type Chunk, StreamStatus, Watermark } from "./envelope.js";
import {
  describeOperator,
  type FaultHandler,
  type FaultScope,
  faultHandler,
  pipelineError,
} from "./fault.js";
import { InputPort, type PortOwner } from "./port.js";
import { type NodeStats, newOperatorStats, newStats, type OperatorStats } from "./stats.js";

/** Tag of a node's main output. @internal */
export const MAIN = "main";

/** Settings of one physical node. @internal */
export interface NodeSettings {
  readonly batchSize: number;
  readonly highWaterMark: number;
  readonly lingerMs: number;
  /** Fault policy of the node's own operator and of stages that set none. */
  readonly onError: FaultPolicy;
}

/** What every node of a job shares. @internal */
export interface JobContext {
  readonly envName: string;
  readonly logger: Logger;
  readonly onError: FaultPolicy;
  /** Hands dead letters to `env.deadLetters` (serialised). */
  deadLetter(letters: DeadLetter[]): Promise<void>;
  /** Called once when a node failed or was cancelled, to propagate through the graph. */
  nodeSettled(node: RuntimeNode): void;
}

/** Lifecycle hooks the runtime calls on an operator. @internal */
export interface Hooks {
  name?: string;
  open?(ctx: OperatorContext): void | Promise<void>;
  done?(): unknown;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
}

/** Final state of a node. */
export type NodeStatus = "created" | "running" | "finished" | "failed" | "cancelled";

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
  /** Stage tree under this node's main output; leaves index `outputs`. */
  chainRoots: ChainBranch[] = [];
  /** Stage trees under side outputs (e.g. `"late"`), leaves indexing `outputs`. */
  readonly sideRoots = new Map<string, ChainBranch[]>();
  readonly stats: NodeStats = newStats();
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
  private wm = Number.NEGATIVE_INFINITY;
  private inputWatermarks: number[] = [];
  private inputIdle: boolean[] = [];
  private lastFinite: number[] = [];
  private endedInputs = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly runners = new Map<string, ChainRunner | null>();
  private resolveCompletion!: () => void;
  private cleanedUp = false;
  private batchCounter = 0;
  private rootBranch: ChainBranch | null | undefined;
  /** Records the node's own operator handed to its chain (not counting a calculator's calc outputs). */
  private ownEmitted = 0;

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
    return this.wm;
  }

  /** Whether the node reached a final state. */
  get settled(): boolean {
    return this.status === "finished" || this.status === "failed" || this.status === "cancelled";
  }

  /** Adds an input edge with its own bounded buffer. */
  addInput(highWaterMark: number): InputPort {
    const port = new InputPort(this, this.inputs.length, highWaterMark);
    this.inputs.push(port);
    this.inputWatermarks.push(Number.NEGATIVE_INFINITY);
    this.inputIdle.push(false);
    this.lastFinite.push(Number.NEGATIVE_INFINITY);
    return port;
  }

  /** Extra stages to place at the root of the chain (a calculator), if any. */
  protected rootStage(): StageSpec | null {
    return null;
  }

  /** The root stage (the node's calculator), with counters shared by every compiled variant. */
  private rootBranchOf(children: ChainBranch[]): ChainBranch | null {
    if (this.rootBranch === undefined) {
      const root = this.rootStage();
      this.rootBranch =
        root === null ? null : { stage: root, out: -1, children: [], stats: newOperatorStats() };
    }
    return this.rootBranch === null ? null : { ...this.rootBranch, children };
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
        this.kind === "sink" ? s.recordsOut : (this.rootBranch?.stats?.recordsOut ?? 0) + this.ownEmitted,
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
    this.runnerFor(MAIN, false, false);
  }

  /**
   * The compiled chain of output `tag`, with or without timestamps, with or without the root
   * stage (a calculator's `done()` output skips it); `null` when the chain is only leaves.
   */
  private runnerFor(tag: string, withTs: boolean, belowRoot: boolean): ChainRunner | null {
    const cacheKey = `${tag}|${withTs ? 1 : 0}|${belowRoot ? 1 : 0}`;
    let r = this.runners.get(cacheKey);
    if (r !== undefined) return r;
    let roots = tag === MAIN ? this.chainRoots : (this.sideRoots.get(tag) ?? []);
    const root = tag === MAIN && !belowRoot ? this.rootBranchOf(roots) : null;
    if (root !== null) roots = [root];
    r = isIdentity(roots)
      ? null
      : compileChain(
          roots,
          this.outputs.length,
          (b) => this.handlerFor(b),
          withTs,
          (b, err) => this.stageFailed(b, err, root !== null && b.stage === root.stage),
        );
    this.runners.set(cacheKey, r);
    return r;
  }

  /**
   * A fused stage gave up under `'fail'` (failure isolation inside a chain): the pipelines
   * below it end (their nodes are cancelled with the error); the node and its other branches
   * run on. When nothing else remains below the node (or the stage is the node's own
   * calculator), the node fails as a whole.
   */
  private stageFailed(branch: ChainBranch, err: unknown, isRoot: boolean): void {
    if (this.settled) return;
    const stage = branch.stage!;
    const perr = pipelineError(this.name, stage.name, err, {}, 1, stageKindName(stage.kind));
    branch.dead = true;
    branch.error = perr;
    const leaves = leavesOf(branch);
    const othersLive = this.outputs.some((p, j) => !p.dead && !leaves.includes(j));
    if (isRoot || !othersLive) {
      this.fail(perr);
      return;
    }
    this.branchErrors.push(perr);
    this.job.logger.debug({ node: this.name, operator: stage.name }, `branch ended: ${perr.message}`);
    for (const j of leaves) {
      const port = this.outputs[j];
      const target = this.downstream.find((d) => d.inputs.includes(port));
      target?.cancel(perr);
    }
  }

  /** Every fused stage of the node (and its calculator), with its branch (counters, id, state). */
  stageBranches(): ChainBranch[] {
    const out: ChainBranch[] = [];
    const visit = (b: ChainBranch) => {
      if (b.stage === null) return;
      out.push(b);
      for (const c of b.children) visit(c);
    };
    for (const b of this.chainRoots) visit(b);
    for (const roots of this.sideRoots.values()) for (const b of roots) visit(b);
    return out;
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
    if (this.inputs.length > 1) {
      const next = this.tail.then(() => this.dispatch(index, chunk));
      this.tail = next.catch(() => {});
      return next;
    }
    return this.dispatch(index, chunk);
  }

  private dispatch(index: number, chunk: Chunk): void | Promise<void> {
    if (this.settled) return;
    if (chunk instanceof Watermark) return this.inputWatermark(index, chunk.ts);
    if (chunk instanceof StreamStatus) return this.inputStatus(index, chunk.idle);
    if (this.inputIdle[index]) {
      this.inputIdle[index] = false;
    }
    this.stats.recordsIn += chunk.records.length;
    return this.process(chunk, index);
  }

  /** Handles one input batch; must release `batch.acks` once its records are handed on. */
  protected abstract process(batch: Batch, index: number): void | Promise<void>;

  /** Called when the combined watermark advanced, before it is forwarded. */
  protected onWatermark(_wm: number): void | Promise<void> {}

  /** Called once every input ended, before `done` and the end of the outputs. */
  protected onInputsEnded(): void | Promise<void> {}

  private async inputWatermark(index: number, ts: number): Promise<void> {
    if (ts <= this.inputWatermarks[index]) return;
    this.inputWatermarks[index] = ts;
    this.lastFinite[index] = ts;
    await this.advanceWatermark();
  }

  private async inputStatus(index: number, idle: boolean): Promise<void> {
    if (this.inputIdle[index] === idle) return;
    this.inputIdle[index] = idle;
    if (idle) await this.advanceWatermark();
  }

  /**
   * The combined watermark (Flink's StatusWatermarkValve): the minimum over inputs that are
   * neither idle nor ended. With no such input but an idle one, it holds where it is, or moves
   * up to the last watermark an ended input reached (never to +Infinity while an idle input may
   * still send records). +Infinity only once every input ended.
   */
  private combinedWatermark(): number {
    let wm = Number.POSITIVE_INFINITY;
    let active = 0;
    let idle = 0;
    for (let i = 0; i < this.inputWatermarks.length; i++) {
      if (this.inputIdle[i]) {
        idle++;
        continue;
      }
      if (this.inputWatermarks[i] === Number.POSITIVE_INFINITY) continue;
      active++;
      if (this.inputWatermarks[i] < wm) wm = this.inputWatermarks[i];
    }
    if (active > 0 || idle === 0) return wm;
    let reached = this.wm;
    for (const w of this.lastFinite) if (w > reached) reached = w;
    return reached;
  }

  private async advanceWatermark(): Promise<void> {
    const wm = this.combinedWatermark();
    if (wm <= this.wm || wm === Number.POSITIVE_INFINITY) return;
    this.wm = wm;
    await this.onWatermark(wm);
    await this.broadcast(new Watermark(wm));
  }

  /** Writes a control chunk to every live output, waiting on backpressure. */
  protected broadcast(chunk: Watermark | StreamStatus): Promise<void> | undefined {
    let waits: Promise<void>[] | null = null;
    for (const port of this.outputs) {
      if (port.dead) continue;
      if (!port.write(chunk)) {
        waits ??= [];
        waits.push(port.waitDrain());
      }
    }
    return waits === null ? undefined : Promise.all(waits).then(() => {});
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
    const runner = this.runnerFor(tag, ts !== null, belowRoot);
    if (belowRoot || tag !== MAIN || this.rootBranch === null || this.rootBranch === undefined)
      this.ownEmitted += records.length;
    if (runner === null) {
      const roots = tag === MAIN ? this.chainRoots : (this.sideRoots.get(tag) ?? []);
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

  /** Hands the dead letters of the current batch to `env.deadLetters`. */
  protected flushDeadLetters(): Promise<void> {
    return this.job.deadLetter(this.pendingDeadLetters.splice(0));
  }

  private send(
    outs: unknown[][],
    outTs: number[][] | null,
    acks: AckToken[] | null,
  ): Promise<void> | undefined {
    let waits: Promise<void>[] | null = null;
    const bs = this.settings.batchSize;
    for (let j = 0; j < outs.length; j++) {
      const port = this.outputs[j];
      const out = outs[j];
      if (out === undefined || out.length === 0) continue;
      if (port.dead) {
        // the pipeline through this edge ended: these records are not delivered, so their
        // source batches are never acknowledged (at-least-once)
        retainAll(acks);
        continue;
      }
      const ts = outTs === null ? null : outTs[j];
      this.stats.recordsOut += out.length;
      let full = false;
      if (out.length <= bs) {
        retainAll(acks);
        full = !port.write({ records: out, acks, timestamps: ts });
      } else {
        for (let i = 0; i < out.length; i += bs) {
          retainAll(acks);
          const piece = {
            records: out.slice(i, i + bs),
            acks,
            timestamps: ts === null ? null : ts.slice(i, i + bs),
          };
          full = !port.write(piece) || full;
        }
      }
      if (full) {
        waits ??= [];
        waits.push(port.waitDrain());
      }
    }
    if (waits === null) return undefined;
    return Promise.all(waits).then(() => {});
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
    this.inputWatermarks[index] = Number.POSITIVE_INFINITY;
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
      await this.onInputsEnded();
      if (this.settled) return;
      await this.callDone();
      if (this.settled) return;
      for (const port of this.outputs) if (!port.dead) port.end();
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
    this.resolveCompletion();
  }

  /** Marks the node finished after its cleanup. */
  protected async settle(status: "finished"): Promise<void> {
    this.status = status;
    await this.runCleanup(undefined);
    this.job.nodeSettled(this);
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

/** The kind shown for a stage (`compute` for a calculator). @internal */
export function stageKindName(kind: StageSpec["kind"]): string {
  return kind === "calc" ? "compute" : kind;
}
