import { ConfigError, describeError, PipelineError } from "../errors.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import type { FaultPolicy } from "../operators/fault-policy.js";
import type { Sink } from "../operators/sink.js";
import type { Logger } from "../util/logger.js";
import {
  CheckpointCoordinator,
  type CheckpointSettings,
  type RestoreRequest,
} from "./checkpoint/coordinator.js";
import type { JobContext, RuntimeNode } from "./node.js";
import { SourceNode } from "./source-node.js";

/** Settings of a job run. @internal */
export interface JobSettings {
  readonly envName: string;
  readonly logger: Logger;
  readonly onError: FaultPolicy;
  readonly deadLetters: Sink<DeadLetter>;
  /** Checkpoints of the run (Env option `checkpoint`), or `null`. */
  readonly checkpoint?: CheckpointSettings | null;
  /** What to restore before the first record (`env.run({ restore })`), or `null`. */
  readonly restore?: RestoreRequest | null;
}

/**
 * A running set of physical nodes: opens every operator (sinks first), starts the sources,
 * propagates failures (a failed node cancels the nodes downstream of it and the upstream
 * nodes left with no live output, and freezes the acks of every source upstream of it),
 * and settles when every node did.
 * @internal
 */
export class Job implements JobContext {
  readonly nodes: RuntimeNode[] = [];
  readonly envName: string;
  readonly logger: Logger;
  readonly onError: FaultPolicy;
  private deadLetterTail: Promise<void> = Promise.resolve();
  private started = 0;
  durationMs = 0;
  deadLetterCount = 0;
  /** The checkpoint coordinator, when the Env takes checkpoints. */
  readonly checkpoints: CheckpointCoordinator | null;

  constructor(private readonly settings: JobSettings) {
    this.envName = settings.envName;
    this.logger = settings.logger;
    this.onError = settings.onError;
    const cp = settings.checkpoint ?? null;
    this.checkpoints = cp === null ? null : new CheckpointCoordinator(this, cp);
  }

  deadLetter(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return this.deadLetterTail;
    this.deadLetterCount += letters.length;
    const next = this.deadLetterTail.then(() => this.settings.deadLetters.produce(letters));
    this.deadLetterTail = next.catch(() => {});
    return next;
  }

  nodeSettled(node: RuntimeNode): void {
    this.checkpoints?.nodeSettled(node);
    if (node.status !== "failed" && node.status !== "cancelled") return;
    const reason = node.error ?? node.cancelReason!;
    // No ack is stopped here: every batch that was on its way through the failed node (in
    // its buffers, its state, or later written towards it) keeps an unreleased reference, so
    // each source's acks stop exactly at its first record that did not make it, while
    // pipelines that share no failed node go on acknowledging (see docs/runtime.md).
    if (node.status === "failed") this.logger.debug({ node: node.name }, `node failed: ${reason.message}`);
    for (const d of node.downstream) d.cancel(reason);
    for (const u of node.upstream) {
      if (!u.settled && u.outputs.every((p) => p.dead)) u.cancel(reason);
    }
  }

  /**
   * Opens every node, restores a checkpoint if asked, runs the sources, and resolves when every
   * node settled.
   * @throws StateError when the checkpoint to restore cannot be read or holds state no operator
   *   claims (every node is then cancelled: nothing ran).
   */
  async run(): Promise<void> {
    this.started = performance.now();
    const cp = this.checkpoints;
    if (cp !== null) {
      try {
        await cp.prepare(this.settings.restore ?? null);
      } catch (err) {
        for (const n of this.nodes) n.cancel(err as Error);
        await Promise.all(this.nodes.map((n) => n.completion));
        await cp.close();
        throw err;
      }
    } else if (this.settings.restore != null) {
      throw new ConfigError(
        `env "${this.envName}": run({ restore }) needs a checkpoint store: new Env({ checkpoint: { store } })`,
      );
    }
    for (const n of this.nodes) n.compile();
    // sinks first, then towards the sources (as Flink opens operators tail to head)
    await Promise.all(this.nodes.filter((n) => n.kind === "sink").map((n) => n.open()));
    await Promise.all(
      this.nodes.filter((n) => n.kind !== "sink" && n.kind !== "source").map((n) => n.open()),
    );
    const sources = this.nodes.filter((n): n is SourceNode => n instanceof SourceNode);
    await Promise.all(sources.map((n) => n.open()));
    if (cp !== null) {
      try {
        await cp.applyRestore();
      } catch (err) {
        this.cancel(err as Error);
        await Promise.all(this.nodes.map((n) => n.completion));
        await cp.close();
        throw err;
      }
    }
    for (const s of sources) void s.run();
    for (const n of this.nodes) if (!(n instanceof SourceNode)) n.endWithoutInput();
    cp?.start();
    await Promise.all(this.nodes.map((n) => n.completion));
    await cp?.close();
    await this.deadLetterTail;
    this.durationMs = performance.now() - this.started;
  }

  /** Graceful stop: sources read no more; what is in flight drains to the sinks. */
  stop(): void {
    // a stopped run takes no final checkpoint (restart it from its last one, or stop with a savepoint)
    this.checkpoints?.skipFinal();
    for (const n of this.nodes) if (n instanceof SourceNode) n.requestStop();
  }

  /** Cancels every node at once (in-flight records are not delivered). */
  cancel(reason: Error): void {
    this.checkpoints?.skipFinal();
    for (const n of this.nodes) n.cancel(reason);
  }

  /** The errors of the nodes that failed (not those cancelled because of them). */
  errors(): PipelineError[] {
    const out: PipelineError[] = [];
    for (const n of this.nodes) {
      if (n.status === "failed" && n.error !== undefined) out.push(n.error);
      out.push(...n.branchErrors);
    }
    for (const n of this.nodes) {
      if (n instanceof SourceNode && n.acks?.error !== undefined && n.status !== "failed") {
        out.push(
          new PipelineError(
            `node "${n.name}": ack(position) failed: ${describeError(n.acks.error)}; nothing past the last successful ack was acknowledged`,
            { node: n.name, operator: n.operatorName, cause: n.acks.error },
          ),
        );
      }
    }
    return out;
  }
}
