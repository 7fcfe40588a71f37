import { Sink, Source } from "../src/index.js";

/** An in-memory source that hands out `records` in batches of at most `chunk` and records its acks. */
export class AckingSource<T> extends Source<T> {
  readonly acks: number[] = [];
  pulled = 0;
  cleanups = 0;
  constructor(
    private readonly records: T[],
    private readonly chunk = Number.POSITIVE_INFINITY,
  ) {
    super();
  }
  consume(size: number): T[] | null {
    if (this.pulled >= this.records.length) return null;
    const n = Math.min(size, this.chunk);
    const out = this.records.slice(this.pulled, this.pulled + n);
    this.pulled += out.length;
    return out;
  }
  override ack(position: number): void {
    this.acks.push(position);
  }
  override cleanup(): void {
    this.cleanups++;
  }
}

/**
 * An AckingSource that calls `onConsume(pulledSoFar)` after each `consume`: a test checks an
 * invariant on every call the runtime makes, or reacts to a threshold (an event, not a wait).
 */
export class WatchedSource<T> extends AckingSource<T> {
  onConsume: (pulled: number) => void = () => {};
  override consume(size: number): T[] | null {
    const out = super.consume(size);
    this.onConsume(this.pulled);
    return out;
  }
}

/** A sink that resolves `until(n)` once it holds `n` records. */
export class WaitableSink<T> extends Sink<T> {
  readonly records: T[] = [];
  private waits: { n: number; resolve: () => void }[] = [];
  produce(elems: T[]): void {
    this.records.push(...elems);
    this.waits = this.waits.filter((w) => {
      if (this.records.length < w.n) return true;
      w.resolve();
      return false;
    });
  }
  until(n: number): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waits.push({ n, resolve }));
  }
}

/**
 * A sink whose produce() waits on a gate the test opens; with `slow`, each produce() also
 * takes a macrotask turn after the gate (a consumer slower than a synchronous producer).
 */
export class GatedSink<T> extends Sink<T> {
  readonly records: T[] = [];
  private gate: Promise<void>;
  private openGate!: () => void;
  calls = 0;
  constructor(private readonly slow = false) {
    super();
    this.gate = new Promise((r) => {
      this.openGate = r;
    });
  }
  async produce(elems: T[]): Promise<void> {
    this.calls++;
    await this.gate;
    if (this.slow) await new Promise((r) => setImmediate(r));
    this.records.push(...elems);
  }
  open_(): void {
    this.openGate();
  }
}

/** Resolves after `n` macrotask turns (lets the runtime settle without real sleeps). */
export async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Multiset equality helper: sorted copies by JSON. */
export function sorted<T>(xs: T[]): T[] {
  return [...xs].sort((a, b) =>
    JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0,
  );
}
