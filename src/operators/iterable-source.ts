import { Source } from "./source.js";
import { checkPosition, isCount } from "./source-position.js";

/**
 * A source over an array (sliced into batches, no copy of records) or any sync Iterable
 * (a generator, a Set, a Map's entries). What `env.from(iterable)` builds.
 * @typeParam T - record type.
 */
export class IterableSource<T> extends Source<T> {
  override name = "iterable";
  private iterator: Iterator<T> | null = null;
  private offset = 0;
  /** Records handed out (the checkpoint position). */
  private taken = 0;

  /** @param input - the records; an array is read by index, anything else through its iterator. */
  constructor(private readonly input: Iterable<T>) {
    super();
    if (Array.isArray(input)) this.name = "array";
  }

  consume(size: number): T[] | null {
    const input = this.input;
    if (Array.isArray(input)) {
      if (this.offset >= input.length) return null;
      const out = input.slice(this.offset, this.offset + size);
      this.offset += out.length;
      this.taken = this.offset;
      return out;
    }
    if (this.offset === -1) return null;
    this.iterator ??= input[Symbol.iterator]();
    const it = this.iterator;
    const out: T[] = [];
    while (out.length < size) {
      const r = it.next();
      if (r.done) {
        this.iterator = null;
        this.offset = -1;
        break;
      }
      out.push(r.value);
    }
    this.taken += out.length;
    return out.length === 0 && this.offset === -1 ? null : out;
  }

  /** Checkpoints: the number of records handed out so far (an array index). */
  override snapshotPosition(): number {
    return this.taken;
  }

  /**
   * Resumes after the first `position` records: an array is read from that index; any other
   * iterable is iterated afresh and its first `position` values skipped (so it must yield the
   * same values in the same order again).
   * @throws StateError when `position` is not an integer >= 0.
   */
  override restorePosition(position: unknown): void {
    const n = checkPosition<number>(this.name, position, isCount(position), "a record count >= 0");
    this.taken = n;
    if (Array.isArray(this.input)) {
      this.offset = n;
      return;
    }
    this.iterator = this.input[Symbol.iterator]();
    this.offset = 0;
    for (let i = 0; i < n; i++) {
      if (this.iterator.next().done) {
        this.iterator = null;
        this.offset = -1;
        return;
      }
    }
  }

  override cleanup(): void {
    this.iterator?.return?.();
  }
}
