import { describeError, StateError } from "../../errors.js";
import type {
  CheckpointData,
  CheckpointStore,
  OperatorPart,
  StoredCheckpoint,
} from "../../states/checkpoints/checkpoint-store.js";
import type { Logger } from "../../util/logger.js";
import { Barrier } from "../envelope.js";
import type { RuntimeNode } from "../node.js";
import { SinkNode } from "../sink-node.js";
import { SourceNode } from "../source-node.js";

/** Checkpoint settings of a run (from the Env's `checkpoint` option). @internal */
export interface CheckpointSettings {
  /** Interval between checkpoints in ms; `0`: none periodic (savepoints only). */
  readonly intervalMs: number;
  readonly store: CheckpointStore;
  /** Regular checkpoints kept in the store (savepoints are never pruned). */
  readonly retain: number;
}

/** What to restore before the first record. @internal */
export interface RestoreRequest {
  /** A location or id in the store; the latest complete checkpoint when absent. */
  readonly from?: string;
  /** Drop state that no operator of the job claims instead of failing. */
  readonly allowNonRestoredState: boolean;
}

/** Counters of a run's checkpoints (in the run report). */
export interface CheckpointStats {
  /** Checkpoints (and savepoints) completed and stored. */
  completed: number;
  /** Checkpoints that could not be completed or stored. */
  failed: number;
  /** Periodic triggers skipped because a checkpoint was still in flight. */
  skipped: number;
  /**
   * The last completed one: id, location, bytes, its duration in ms (barrier injected to
   * stored), and `syncMs`: the time nodes spent copying their state (`snapshotState()`, the
   * only part that holds records back; the write to the store runs while they go on).
   */
  last?: StoredCheckpoint & { readonly durationMs: number; readonly syncMs: number };
  /** Location of the savepoint taken by `env.stop({ savepoint: true })`. */
  savepoint?: string;
  /** Location of the checkpoint this run restored from. */
  restoredFrom?: string;
  /** Operators whose state in the restored checkpoint was dropped (`allowNonRestoredState`). */
  droppedState?: string[];
}

interface Pending {
  readonly id: number;
  readonly savepoint: boolean;
  readonly stopAfter: boolean;
  readonly timestamp: number;
  readonly started: number;
  readonly waiting: Set<RuntimeNode>;
  readonly parts: Record<string, OperatorPart>;
  readonly positions: Map<SourceNode, unknown>;
  syncMs: number;
  /** Set once every node answered and the write began. */
  completing: boolean;
  readonly promise: Promise<StoredCheckpoint | undefined>;
  readonly settle: (v: StoredCheckpoint | undefined, err?: unknown) => void;
}

/** What the coordinator needs of the job. @internal */
export interface CoordinatedJob {
  readonly nodes: readonly RuntimeNode[];
  readonly envName: string;
  readonly logger: Logger;
}

/**
 * Triggers checkpoints and collects them (Flink's CheckpointCoordinator, in one process):
 * every `intervalMs` it asks each source node to inject `Barrier(id)` after its current batch;
 * each node answers with its part when the barrier passed it (aligned over its inputs). When
 * every node answered (or had finished), the checkpoint is complete: it is written to the
 * store (atomically), old ones pruned, and then each source's `checkpointComplete(id, position)`
 * runs (sources commit there), then each sink's `checkpointComplete(id)` (two-phase commit
 * sinks commit there), in that order. One checkpoint at a time: a trigger while one is
 * in flight is skipped. A node that fails aborts the checkpoint in flight, and no more are taken;
 * sinks hear of an aborted checkpoint (`checkpointAborted(id)`).
 *
 * **Final checkpoint** (Flink's FLIP-147): when every source ended on its own (bounded input)
 * and every node emitted everything, one last checkpoint is taken while the sources and sinks
 * are still open (they wait for it before `cleanup()`), so the last transaction commits with the
 * final positions. None after a failure or a stop.
 * @internal
 */
export class CheckpointCoordinator {
  readonly stats: CheckpointStats = { completed: 0, failed: 0, skipped: 0 };
  /** Set once a stop-with-savepoint completed: nodes holding state skip their end-of-input flush. */
  suspended = false;
  private nextId = 1;
  private pending: Pending | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private restoreData: (CheckpointData & { location: string }) | null = null;
  private readonly outcomes = new Map<number, Promise<boolean>>();
  /** The store write of the checkpoint every node answered, while it runs. */
  private writing: Promise<void> | null = null;
  /** Nodes that emitted everything and wait for the final checkpoint before their cleanup. */
  private readonly drained = new Set<RuntimeNode>();
  /** Set once the final checkpoint was triggered, or is known not to be taken. */
  private finalDecided = false;
  private gateOpen = false;
  private openGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.openGate = () => {
      this.gateOpen = true;
      resolve();
    };
  });

  constructor(
    private readonly job: CoordinatedJob,
    readonly settings: CheckpointSettings,
  ) {}

  // ---- restore ---------------------------------------------------------------------------

  /**
   * Before any node opens: loads the checkpoint to restore (if asked), checks that every
   * operator with state in it is claimed by a node of this job, and sets the next id after
   * the highest in the store.
   * @throws StateError when the checkpoint cannot be read, or holds state no operator claims
   *   (unless `allowNonRestoredState`).
   */
  async prepare(restore: RestoreRequest | null): Promise<void> {
    const store = this.settings.store;
    const listed = await store.list().catch(() => [] as StoredCheckpoint[]);
    for (const c of listed) if (c.id >= this.nextId) this.nextId = c.id + 1;
    if (restore === null) return;
    const data =
      restore.from === undefined ? await this.chooseLatest(listed) : await store.load(restore.from);
    if (data === undefined) {
      this.job.logger.info(
        { store: store.description },
        "restore: no complete checkpoint yet, starting empty",
      );
      return;
    }
    if (data.id >= this.nextId) this.nextId = data.id + 1;
    const claimed = new Set<string>();
    for (const n of this.job.nodes) {
      const part = data.parts[n.stateId];
      if (part === undefined) continue;
      if (part.state !== undefined && !(n instanceof SourceNode) && n.stateHolder === null) continue;
      if (part.position !== undefined && !(n instanceof SourceNode)) continue;
      claimed.add(n.stateId);
    }
    const unclaimed = Object.entries(data.parts).filter(
      ([id, p]) => !claimed.has(id) && (p.state !== undefined || p.position !== undefined),
    );
    if (unclaimed.length > 0) {
      const names = unclaimed.map(([id, p]) => `"${id}" (${p.kind})`).join(", ");
      if (!restore.allowNonRestoredState) {
        throw new StateError(
          `restore from ${data.location}: the checkpoint holds state of operator ${names} that no operator of this job claims (renamed or removed?); ` +
            "give the operator its former name with { name }, or pass restore: { allowNonRestoredState: true } to drop that state",
          { retriable: false },
        );
      }
      this.stats.droppedState = unclaimed.map(([id]) => id);
      this.job.logger.warn({ operators: this.stats.droppedState }, `restore: dropping state of ${names}`);
    }
    this.restoreData = data;
  }

  /**
   * The checkpoint `restore: true` resumes from: the newest complete regular one, or — when a
   * source checks what its external system committed (`Source.restorable`, e.g. an exactly-once
   * Kafka source: the group's committed offsets) — the newest that every such source accepts,
   * walking the store newest first (a checkpoint stored before its transaction committed is
   * skipped for the one before it). `undefined`: start empty.
   * @throws StateError when no retained checkpoint is accepted and starting empty is not either.
   */
  private async chooseLatest(
    listed: readonly StoredCheckpoint[],
  ): Promise<(CheckpointData & { location: string }) | undefined> {
    const store = this.settings.store;
    const checkers = this.job.nodes.filter(
      (n): n is SourceNode => n instanceof SourceNode && typeof n.source.restorable === "function",
    );
    if (checkers.length === 0) return store.latest();
    const candidates = listed.filter((c) => !c.savepoint).sort((a, b) => b.id - a.id);
    if (candidates.length === 0) return undefined;
    const refused: string[] = [];
    for (const c of candidates) {
      let data: CheckpointData & { location: string };
      try {
        data = await store.load(c.location);
      } catch (err) {
        refused.push(`checkpoint ${c.id} is unreadable (${describeError(err)})`);
        continue;
      }
      const why: string[] = [];
      for (const n of checkers) {
        const verdict = await n.source.restorable!({
          id: data.id,
          position: data.parts[n.stateId]?.position,
        });
        if (verdict !== true)
          why.push(`source "${n.name}": ${typeof verdict === "string" ? verdict : "refused"}`);
      }
      if (why.length === 0) {
        if (refused.length > 0) {
          this.job.logger.warn(
            { skipped: refused, restoring: data.id },
            `restore: newer checkpoint(s) skipped, their commit never happened: ${refused.join("; ")}`,
          );
        }
        return data;
      }
      refused.push(`checkpoint ${c.id} (${c.location}): ${why.join(", ")}`);
    }
    const empty: string[] = [];
    for (const n of checkers) {
      const verdict = await n.source.restorable!(null);
      if (verdict !== true)
        empty.push(`source "${n.name}": ${typeof verdict === "string" ? verdict : "refused"}`);
    }
    if (empty.length === 0) {
      this.job.logger.warn(
        { skipped: refused },
        `restore: no checkpoint's commit ever happened (${refused.join("; ")}): starting empty`,
      );
      return undefined;
    }
    throw new StateError(
      `restore from ${store.description}: no retained checkpoint matches what the sources committed — ${refused.join("; ")}; ` +
        `and starting empty does not either (${empty.join(", ")}). Keep checkpoint.retain >= 2 (the checkpoint before the newest is the one to restore after a crash between its store write and its commit); ` +
        "restore a chosen one with run({ restore: { from } }), or start over: reset the consumer group's offsets and delete the checkpoints",
      { retriable: false },
    );
  }

  /** After every node opened, before the first record: hands each node its part. */
  async applyRestore(): Promise<void> {
    const data = this.restoreData;
    if (data === null) return;
    this.restoreData = null;
    for (const n of this.job.nodes) {
      const part = data.parts[n.stateId];
      if (part === undefined) continue;
      if (part.watermark !== undefined) n.restoreWatermark(part.watermark);
      if (n instanceof SourceNode) {
        if (part.position === undefined) continue;
        if (typeof n.source.restorePosition !== "function") {
          this.job.logger.warn(
            { node: n.name },
            "restore: the source has no restorePosition(): it reads from its start again",
          );
          continue;
        }
        await n.source.restorePosition(part.position);
      } else if (part.state !== undefined) n.stateHolder?.restoreState(part.state);
    }
    this.stats.restoredFrom = data.location;
    this.job.logger.info({ from: data.location, id: data.id }, "restored from checkpoint");
  }

  // ---- triggering --------------------------------------------------------------------------

  /** Starts the periodic trigger (after the sources started). */
  start(): void {
    const ms = this.settings.intervalMs;
    if (ms <= 0 || this.closed) return;
    this.timer = setInterval(() => {
      if (this.trigger(false, false) === null && !this.closed) this.stats.skipped++;
    }, ms);
    this.timer.unref?.();
  }

  /**
   * Stops triggering. A checkpoint every node answered is being written: it is waited for (the
   * run's report then counts it). One still waiting for answers is abandoned (the run ended
   * without it).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.openGate();
    if (this.writing !== null) await this.writing;
    const p = this.pending;
    if (p !== null) this.abort(p, new StateError(`checkpoint ${p.id}: the run ended before it completed`));
  }

  // ---- final checkpoint --------------------------------------------------------------------

  /**
   * Node `node` emitted everything and waits for the final checkpoint before its cleanup: it
   * answers the checkpoint in flight (and later ones) as finished (a sink pre-commits first).
   * Resolves when the final checkpoint completed or failed, or none will be taken.
   */
  finalGate(node: RuntimeNode): Promise<void> {
    if (this.gateOpen) return this.gate;
    this.drained.add(node);
    const p = this.pending;
    if (p?.waiting.has(node)) this.answerDrained(p, node);
    this.maybeFinal();
    return this.gate;
  }

  /** No final checkpoint in this run (`env.stop()`, a cancel): the nodes waiting for one go on. */
  skipFinal(): void {
    this.finalDecided = true;
    this.openGate();
  }

  /**
   * Triggers the final checkpoint once every node settled or waits for it, and no checkpoint is
   * in flight; opens the gate instead when none can be taken (a failure, a stop).
   */
  private maybeFinal(): void {
    if (this.gateOpen || this.finalDecided) return;
    const nodes = this.job.nodes;
    const broken = nodes.some(
      (n) =>
        n.status === "failed" ||
        n.status === "cancelled" ||
        n.branchErrors.length > 0 ||
        (n instanceof SourceNode && n.stopped),
    );
    if (this.closed || broken) {
      this.skipFinal();
      return;
    }
    if (!nodes.every((n) => n.settled || this.drained.has(n))) return;
    if (this.pending !== null || this.writing !== null) return; // called again when it is done
    this.finalDecided = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const run = this.trigger(false, false);
    if (run === null) {
      this.openGate();
      return;
    }
    run.then(
      () => this.openGate(),
      () => this.openGate(),
    );
  }

  /** A node waiting for the final checkpoint answers checkpoint `p` as finished (a sink pre-commits first). */
  private answerDrained(p: Pending, n: RuntimeNode): void {
    const answer = () => {
      if (this.pending !== p || !p.waiting.delete(n)) return;
      this.finishedPart(p, n);
      if (p.waiting.size === 0) this.startComplete(p);
    };
    let r: void | Promise<void>;
    try {
      r = n.preCommitAtEnd(p.id);
    } catch (err) {
      n.fail(err);
      return;
    }
    if (r instanceof Promise) r.then(answer, (err) => n.fail(err));
    else answer();
  }

  /**
   * Triggers checkpoint `nextId`: each source injects the barrier after its current batch.
   * @returns a promise of the stored checkpoint (`undefined` if it failed or was abandoned),
   *   or `null` when a checkpoint is in flight, or the run can take no more.
   */
  trigger(savepoint: boolean, stopAfter: boolean): Promise<StoredCheckpoint | undefined> | null {
    if (this.closed || this.pending !== null) return null;
    const nodes = this.job.nodes;
    if (nodes.some((n) => n.status === "failed" || n.status === "cancelled")) return null;
    const id = this.nextId++;
    let settle!: Pending["settle"];
    const promise = new Promise<StoredCheckpoint | undefined>((resolve, reject) => {
      settle = (v, err) => (err === undefined ? resolve(v) : reject(err));
    });
    // a savepoint's caller awaits it; nobody awaits a periodic checkpoint's failure
    if (!savepoint) promise.catch(() => {});
    const p: Pending = {
      id,
      savepoint,
      stopAfter,
      timestamp: Date.now(),
      started: performance.now(),
      waiting: new Set(),
      parts: {},
      positions: new Map(),
      syncMs: 0,
      completing: false,
      promise,
      settle,
    };
    this.pending = p;
    this.outcomes.set(
      id,
      promise.then(
        (v) => v !== undefined,
        () => false,
      ),
    );
    for (const n of nodes) {
      if (n.status === "finished") this.finishedPart(p, n);
      else p.waiting.add(n);
    }
    const barrier = new Barrier(id, savepoint);
    for (const n of nodes) {
      if (!p.waiting.has(n) || this.pending !== p) continue;
      if (this.drained.has(n)) this.answerDrained(p, n);
      else if (n instanceof SourceNode) n.requestBarrier(barrier);
    }
    if (p.waiting.size === 0 && this.pending === p) this.startComplete(p);
    return promise;
  }

  /**
   * Takes a savepoint after the checkpoint in flight (if any): its barrier is followed by
   * nothing (`stopAfter`: each source stops reading once the savepoint is stored).
   * @throws the store's error, or a StateError when the run cannot take it (it ended, or failed).
   */
  async savepoint(stopAfter: boolean): Promise<StoredCheckpoint> {
    for (;;) {
      const busy = this.pending;
      if (busy !== null) {
        await busy.promise.catch(() => {});
        continue;
      }
      const run = this.trigger(true, stopAfter);
      if (run === null) {
        throw new StateError(
          `env "${this.job.envName}": no savepoint can be taken: the run ${this.closed ? "ended" : "has a failed node"}`,
        );
      }
      const stored = await run;
      if (stored === undefined)
        throw new StateError(`env "${this.job.envName}": the savepoint was not completed`);
      return stored;
    }
  }

  /** Resolves `true` once checkpoint `id` is stored, `false` if it failed. @internal */
  outcome(id: number): Promise<boolean> {
    return this.outcomes.get(id) ?? Promise.resolve(false);
  }

  /** Whether checkpoint `id` was triggered with `stopAfter`. */
  stopsAfter(id: number): boolean {
    return this.pending?.id === id && this.pending.stopAfter;
  }

  // ---- answers -------------------------------------------------------------------------------

  /** Node `node` passed barrier `id` and gives its part (copied in `syncMs`). */
  acknowledge(node: RuntimeNode, id: number, part: OperatorPart, syncMs = 0): void {
    const p = this.pending;
    if (p === null || p.id !== id || !p.waiting.delete(node)) return;
    p.syncMs += syncMs;
    if (part.state !== undefined || part.position !== undefined || part.watermark !== undefined) {
      p.parts[node.stateId] = part;
    }
    if (node instanceof SourceNode) p.positions.set(node, part.position);
    if (p.waiting.size === 0) this.startComplete(p);
  }

  /** A node settled: finished ones answer for the checkpoint in flight; a failure aborts it. */
  nodeSettled(node: RuntimeNode): void {
    const p = this.pending;
    this.drained.delete(node);
    if (node.status === "failed" || node.status === "cancelled") {
      if (p !== null) this.abort(p, new StateError(`checkpoint ${p.id}: node "${node.name}" ${node.status}`));
      this.maybeFinal();
      return;
    }
    if (p?.waiting.delete(node)) {
      this.finishedPart(p, node);
      if (p.waiting.size === 0) this.startComplete(p);
    }
    this.maybeFinal();
  }

  /** The part of a node that finished before the barrier reached it. */
  private finishedPart(p: Pending, n: RuntimeNode): void {
    if (n instanceof SourceNode) {
      const position = n.finalPosition;
      p.parts[n.stateId] =
        position === undefined
          ? { kind: n.kind, finished: true }
          : { kind: n.kind, position, finished: true };
      p.positions.set(n, position);
    } else p.parts[n.stateId] = { kind: n.kind, finished: true };
  }

  private abort(p: Pending, err: Error): void {
    if (this.pending !== p) return;
    this.pending = null;
    this.stats.failed++;
    this.job.logger.warn({ id: p.id }, err.message);
    this.notifyAborted(p.id);
    p.settle(undefined, p.savepoint ? err : undefined);
    this.maybeFinal();
  }

  private startComplete(p: Pending): void {
    if (p.completing) return;
    p.completing = true;
    const w = this.complete(p).finally(() => {
      if (this.writing === w) this.writing = null;
      this.maybeFinal();
    });
    this.writing = w;
  }

  /**
   * The sinks with checkpoint hooks whose cleanup has not run, each instance once (a Sink shared
   * by a shard's lanes is one), with a node to fail if its hook throws.
   */
  private liveSinks(): Map<SinkNode["sink"], SinkNode> {
    const out = new Map<SinkNode["sink"], SinkNode>();
    for (const n of this.job.nodes) {
      if (n instanceof SinkNode && !n.settled && !out.has(n.sink)) out.set(n.sink, n);
    }
    return out;
  }

  /** Tells the sinks that checkpoint `id` will not complete (they keep what they pre-committed). */
  private notifyAborted(id: number): void {
    for (const [sink, n] of this.liveSinks()) {
      if (typeof sink.checkpointAborted !== "function") continue;
      Promise.resolve()
        .then(() => sink.checkpointAborted!(id))
        .catch((err) =>
          this.job.logger.error(
            { node: n.name, err },
            `checkpointAborted(${id}) failed: ${describeError(err)}`,
          ),
        );
    }
  }

  private async complete(p: Pending): Promise<void> {
    const data: CheckpointData = {
      id: p.id,
      savepoint: p.savepoint,
      timestamp: p.timestamp,
      job: this.job.envName,
      parts: p.parts,
    };
    let stored: StoredCheckpoint;
    try {
      stored = await this.settings.store.write(data);
      if (!p.savepoint) await this.settings.store.prune(this.settings.retain);
    } catch (err) {
      if (this.pending !== p) return;
      this.pending = null;
      this.stats.failed++;
      this.job.logger.error({ id: p.id, err }, `checkpoint ${p.id} not stored: ${describeError(err)}`);
      this.notifyAborted(p.id);
      p.settle(undefined, p.savepoint ? err : undefined);
      return;
    }
    if (this.pending !== p) return;
    if (p.stopAfter) this.suspended = true;
    this.pending = null;
    const durationMs = performance.now() - p.started;
    this.stats.completed++;
    this.stats.last = { ...stored, durationMs, syncMs: p.syncMs };
    if (p.savepoint) this.stats.savepoint = stored.location;
    this.job.logger.debug({ id: p.id, bytes: stored.bytes, durationMs }, "checkpoint complete");
    // the positions are durable now: sources commit them (in source order), then the sinks
    // commit what they pre-committed (two-phase commit), then other operators that keep state
    // hear of it
    for (const [n, position] of p.positions) {
      // a source that already ran its cleanup() (its client closed) is not called any more
      if (n.settled || typeof n.source.checkpointComplete !== "function") continue;
      try {
        await n.source.checkpointComplete(p.id, position);
      } catch (err) {
        this.job.logger.error(
          { node: n.name, err },
          `checkpointComplete(${p.id}) failed: ${describeError(err)}`,
        );
      }
    }
    const sinks = this.liveSinks();
    for (const [sink, n] of sinks) {
      if (typeof sink.checkpointComplete !== "function") continue;
      try {
        await sink.checkpointComplete(p.id);
      } catch (err) {
        // the second phase failed (a transaction that could not commit): its output is lost
        // unless the job restarts from a checkpoint whose commit happened
        this.job.logger.error(
          { node: n.name, err },
          `checkpointComplete(${p.id}) failed: ${describeError(err)}`,
        );
        n.fail(err);
      }
    }
    for (const n of this.job.nodes) {
      const holder = n.userState as { checkpointComplete?: (id: number) => unknown } | null;
      if (holder !== null && sinks.has(holder as SinkNode["sink"])) continue;
      if (holder !== null && !n.settled && typeof holder.checkpointComplete === "function") {
        try {
          await holder.checkpointComplete(p.id);
        } catch (err) {
          this.job.logger.error(
            { node: n.name, err },
            `checkpointComplete(${p.id}) failed: ${describeError(err)}`,
          );
        }
      }
    }
    p.settle(stored);
  }
}
