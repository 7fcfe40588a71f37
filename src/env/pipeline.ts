import type { Env } from "./env.js";
import type { LogicalNode } from "./graph.js";
import type { NodeReport } from "./report.js";

/**
 * The result of `stream.to(sink)`: a thenable. Awaiting it (or calling `then`) starts the Env
 * if it is not running — on a microtask, so pipelines added in the same synchronous code join
 * the run — and resolves with the sink node's report when that sink is done; it rejects with
 * the PipelineError that ended this pipeline (a failure on any node it passes through).
 * A Pipeline nobody awaits starts nothing and never rejects: run the Env with `env.run()`.
 * The promise `then()` returns is marked handled: `src.to(a).then(log)` without a rejection
 * handler does not crash a process on a failed run (awaiting it still throws).
 */
export class Pipeline implements PromiseLike<NodeReport> {
  /** @internal */
  constructor(
    /** @internal */
    readonly env: Env,
    /** @internal */
    readonly sinkNode: LogicalNode,
  ) {}

  // biome-ignore lint/suspicious/noThenProperty: a Pipeline is deliberately awaitable (see docs/runtime.md)
  then<A = NodeReport, B = never>(
    onfulfilled?: ((value: NodeReport) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const p = this.env.awaitSink(this.sinkNode).then(onfulfilled, onrejected);
    // `src.to(a).then(log)` with no rejection handler must not crash a process that handles
    // env.run()'s rejection: this promise is marked handled (awaiting it still throws)
    p.catch(() => {});
    return p;
  }
}
