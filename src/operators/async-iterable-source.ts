import type { OperatorContext } from "./context.js";
import { Source } from "./source.js";
import { checkPosition, isCount } from "./source-position.js";

const TIMEOUT: unique symbol = Symbol("linger");

/**
 * A source over an AsyncIterable (an async generator, a database cursor...). A batch is handed
 * on when it is full or when `lingerMs` (default 10 ms) passed since its first record, so a
 * slow producer still sees its records flow promptly. What `env.from(asyncIterable)` builds.
 * @typeParam T - record type.
 */
export class AsyncIterableSource<T> extends Source<T> {
  override name = "async-iterable";
  private iterator: AsyncIterator<T> | null = null;
  private pending: Promise<IteratorResult<T>> | null = null;
  private ended = false;
  private waiting = false;
  private lingerMs = 10;
  /** Records handed out, those skipped on restore included (the checkpoint position). */
  private taken = 0;
  /** Records still to skip after a restore. */
  private toSkip = 0;

  constructor(private readonly input: AsyncIterable<T>) {
    super();
  }

  override open(ctx: OperatorContext): void {
    this.lingerMs = ctx.lingerMs;
  }

  async consume(size: number): Promise<T[] | null> {
    if (this.ended) return null;
    this.iterator ??= this.input[Symbol.asyncIterator]();
    const it = this.iterator;
    const out: T[] = [];
    let timer: NodeJS.Timeout | undefined;
    let linger: Promise<typeof TIMEOUT> | undefined;
    try {
      while (out.length < size) {
        const p = this.pending ?? it.next();
        this.pending = null;
        let r: IteratorResult<T> | typeof TIMEOUT;
        if (out.length === 0) {
          this.waiting = true;
          try {
            r = await p;
          } finally {
            this.waiting = false;
          }
        } else {
          linger ??= new Promise((resolve) => {
            timer = setTimeout(() => resolve(TIMEOUT), this.lingerMs);
          });
          r = await Promise.race([p, linger]);
          if (r === TIMEOUT) {
            this.pending = p;
            break;
          }
        }
        if (r.done) {
          this.ended = true;
          break;
        }
        if (this.toSkip > 0) {
          this.toSkip--;
          continue;
        }
        out.push(r.value);
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    this.taken += out.length;
    return out.length === 0 && this.ended ? null : out;
  }

  /** Checkpoints: the number of records handed out so far. */
  override snapshotPosition(): number {
    return this.taken + this.toSkip;
  }

  /**
   * Resumes after the first `position` records: the iterable is iterated afresh and its first
   * `position` values are skipped as they come (it must yield the same values in the same order
   * again: a query with a stable order, a generator).
   * @throws StateError when `position` is not an integer >= 0.
   */
  override restorePosition(position: unknown): void {
    const n = checkPosition<number>(this.name, position, isCount(position), "a record count >= 0");
    this.toSkip = n;
    this.taken = 0;
  }

  /**
   * Calls the iterator's `return()` when it did not end (the run was stopped or cancelled, or
   * the consumer of the stream went away). When a `next()` is still pending (an idle input:
   * an async generator suspended in an `await`), `return()` is called but not awaited: an
   * async generator answers it only after the pending `next()`, which may never come.
   */
  override async cleanup(): Promise<void> {
    if (this.ended || this.iterator === null) return;
    this.ended = true;
    const it = this.iterator;
    if (typeof it.return !== "function") return;
    let r: Promise<unknown>;
    try {
      r = Promise.resolve(it.return());
    } catch {
      return;
    }
    if (this.waiting || this.pending !== null) {
      r.catch(() => {});
      return;
    }
    await r;
  }
}
