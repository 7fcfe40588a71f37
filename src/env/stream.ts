import type { Sink } from "../operators/sink.js";
import type { StageSpec } from "../operators/stage.js";
import type { Env } from "./env.js";
import { type LogicalNode, StageLink } from "./graph.js";
import type { NodeOptions } from "./options.js";
import type { Pipeline } from "./pipeline.js";

/**
 * A stream of records of type `T` in a job graph (see docs/runtime.md). Building a stream runs
 * nothing; `env.run()` (or awaiting a {@link Pipeline}) does.
 *
 * A stream is immutable: every operator returns a new Stream. Using one stream in two chains
 * is a fan-out (every branch sees every record; the slowest branch sets the pace).
 * Consecutive stateless operators (`map`, `filter`, `flatMap`, `mutate`, `tap`) are fused into
 * one loop over each batch (operator chaining).
 *
 * Operators are added to this class by module augmentation (`src/env/methods/`), the same way
 * a plugin adds its own: see {@link Stream.stage} and {@link Stream.pipe}.
 *
 * @typeParam T - record type.
 */
export class Stream<T> {
  /** @internal */
  constructor(
    /** The Env this stream belongs to. */
    readonly env: Env,
    /** @internal the node whose output this stream reads. */
    readonly node: LogicalNode,
    /** @internal the fused stages between the node and this stream. */
    readonly link: StageLink | null,
  ) {}

  /**
   * Extension point for stateless operators: appends a fused stage (built with the
   * `stage(kind, fn, options)` helper of `mass-stream`).
   * @typeParam U - record type after the stage.
   */
  stage<U>(spec: StageSpec): Stream<U> {
    const id = `${this.node.id}.s${++this.node.stageCount}`;
    return new Stream<U>(this.env, this.node, new StageLink(spec, this.link, id));
  }

  /**
   * Extension point: applies `factory` to this stream (`stream.pipe(myOperator(opts))`).
   * @returns what `factory` returns.
   */
  pipe<R>(factory: (stream: Stream<T>) => R): R {
    return factory(this);
  }

  /**
   * Writes this stream to `sink`. Passing one Sink instance from several streams is a fan-in.
   * @returns a thenable {@link Pipeline}: awaiting it runs the Env (if not running) and
   * resolves when this sink is done.
   * @throws ConfigError if this stream belongs to a run that already started.
   */
  to(sink: Sink<T>, options?: NodeOptions): Pipeline {
    return this.env.addSink(this as Stream<unknown>, sink as Sink<unknown>, options);
  }

  /**
   * Collects the stream into an array: runs the Env (on a microtask, so pipelines added in the
   * same synchronous code join the run) and resolves with every record, in order for a single
   * source without fan-in. Holds the whole output in memory: meant for tests and small jobs.
   *
   * The promise rejects with the error that ended this pipeline; left unawaited, that rejection
   * is not reported as unhandled (a process that handles `env.run()`'s rejection does not crash).
   */
  toArray(): Promise<T[]> {
    const p = this.env.collect(this);
    p.catch(() => {});
    return p;
  }
}
