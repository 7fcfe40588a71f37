import { Source } from "./source.js";

/**
 * A source over an array (sliced into batches, no copy of records) or any sync Iterable
 * (a generator, a Set, a Map's entries). What `env.from(iterable)` builds.
 * @typeParam T - record type.
 */
export class IterableSource<T> extends Source<T> {
  override name = "iterable";
  private iterator: Iterator<T> | null = null;
  private offset = 0;

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
    return out.length === 0 && this.offset === -1 ? null : out;
  }

  override cleanup(): void {
    this.iterator?.return?.();
  }
}
