import { AsyncIterableX } from "ix/asynciterable/asynciterablex";
import { ConfigError, LifecycleError } from "../../errors.js";
import { Sink } from "../../operators/sink.js";
import type { Pipeline } from "../pipeline.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * The stream as an IxJS `AsyncIterableX` (see docs/runtime.md, "Async iteration"): iterate
     * it with `for await`, or compose IxJS operators (`.pipe(filter(...), map(...))`). Records
     * reach the consumer at its own pace: the pipeline is backpressured by the loop (at most
     * one batch waits for the consumer, plus what the edges buffer). The first `next()` starts
     * the run (as awaiting a Pipeline does). Breaking out of the loop (`return()`), or aborting
     * the signal IxJS passes, ends this pipeline cleanly: its nodes are cancelled, every
     * `cleanup()` runs, the run ends as `stopped` (other pipelines of the Env run on); records
     * of the batch the consumer did not finish are not acknowledged. A failure of the pipeline
     * rejects the pending `next()` with its PipelineError. Iterable once.
     * @throws ConfigError if the stream belongs to a run that already started.
     */
    toAsyncIterable(): AsyncIterableX<T>;
  }
}

/** The sink behind `toAsyncIterable()`: `produce` resolves when the consumer took the whole batch. */
class ConsumerSink<T> extends Sink<T> {
  override name = "async-iterable";
  private batch: T[] = [];
  private index = 0;
  private taken: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private waiting: { resolve: () => void } | null = null;
  ended = false;

  produce(elems: T[]): Promise<void> {
    this.batch = elems;
    this.index = 0;
    const p = new Promise<void>((resolve, reject) => {
      this.taken = { resolve, reject };
    });
    this.wake();
    return p;
  }

  override done(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.resolve();
  }

  /** The next record, or `undefined` with `ended` once the input ended. */
  take(): { value: T } | null {
    if (this.index < this.batch.length) {
      const value = this.batch[this.index++];
      if (this.index === this.batch.length) {
        const t = this.taken;
        this.taken = null;
        this.batch = [];
        this.index = 0;
        t?.resolve();
      }
      return { value };
    }
    return null;
  }

  /** Resolves when a batch arrives or the input ends (or `interrupt` fires). */
  wait(interrupt: Promise<void>): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => (this.waiting = { resolve })), interrupt]);
  }

  /** The consumer went away: the batch being read is not handed on (never acknowledged). */
  abandon(reason: Error): void {
    const t = this.taken;
    this.taken = null;
    t?.reject(reason);
  }
}

/** `toAsyncIterable()`'s iterable: an IxJS AsyncIterableX over a ConsumerSink. */
class StreamIterable<T> extends AsyncIterableX<T> {
  private used = false;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly sink: ConsumerSink<T>,
  ) {
    super();
  }

  [Symbol.asyncIterator](signal?: AbortSignal): AsyncIterator<T> {
    if (this.used) {
      throw new ConfigError(
        "toAsyncIterable(): this iterable was iterated already; a stream's records go to one consumer (call toAsyncIterable() on a new pipeline)",
      );
    }
    this.used = true;
    const { pipeline, sink } = this;
    const env = pipeline.env;
    let closed = false;
    let failure: unknown;
    let failed!: () => void;
    const failedOrEnded = new Promise<void>((resolve) => (failed = resolve));
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      pipeline.then(
        () => failed(),
        (err: unknown) => {
          failure = err;
          failed();
        },
      );
    };
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      const reason = new LifecycleError(
        "the consumer of toAsyncIterable() stopped reading: pipeline ended early",
      );
      const ending = env.closePipeline(pipeline.sinkNode, reason);
      sink.abandon(reason);
      await ending;
    };
    const onAbort = () => void close();
    signal?.addEventListener("abort", onAbort, { once: true });
    return {
      next: async (): Promise<IteratorResult<T>> => {
        start();
        for (;;) {
          if (signal?.aborted) {
            await close();
            throw signal.reason;
          }
          if (closed) return { value: undefined, done: true };
          const r = sink.take();
          if (r !== null) return { value: r.value, done: false };
          if (failure !== undefined) throw failure;
          if (sink.ended) {
            signal?.removeEventListener("abort", onAbort);
            return { value: undefined, done: true };
          }
          await sink.wait(failedOrEnded);
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        signal?.removeEventListener("abort", onAbort);
        if (started && !sink.ended) await close();
        else closed = true;
        return { value: undefined, done: true };
      },
    };
  }
}

Stream.prototype.toAsyncIterable = function toAsyncIterable_<T>(this: Stream<T>) {
  const sink = new ConsumerSink<T>();
  const pipeline = this.to(sink);
  return new StreamIterable<T>(pipeline, sink);
};
