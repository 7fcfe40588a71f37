import { Transform, Writable } from "node:stream";

/**
 * The plain-loop reference implementation of keyed tumbling event-time windows used by W2 and
 * W3: buckets by window start, a watermark `maxTs - ooo - 1`, firing buckets whose end - 1 is
 * at or below it. No streams, no batches: the practical bound.
 */
export class PlainTumbling<R> {
  private readonly buckets = new Map<number, Map<unknown, { sum: number; count: number }>>();
  private readonly starts: number[] = [];
  private maxTs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly size: number,
    private readonly key: (r: R) => unknown,
    private readonly ts: (r: R) => number,
    private readonly value: (r: R) => number,
    private readonly emit: (key: unknown, start: number, sum: number, count: number) => void,
    private readonly ooo = 0,
  ) {}

  add(r: R): void {
    const t = this.ts(r);
    const start = t - (((t % this.size) + this.size) % this.size);
    let b = this.buckets.get(start);
    if (b === undefined) {
      b = new Map();
      this.buckets.set(start, b);
      this.starts.push(start);
    }
    const k = this.key(r);
    const acc = b.get(k);
    if (acc === undefined) b.set(k, { sum: this.value(r), count: 1 });
    else {
      acc.sum += this.value(r);
      acc.count++;
    }
    if (t > this.maxTs) {
      this.maxTs = t;
      this.fire(t - this.ooo - 1);
    }
  }

  private fire(wm: number): void {
    while (this.starts.length > 0 && this.starts[0] + this.size - 1 <= wm) {
      const start = this.starts.shift()!;
      for (const [k, acc] of this.buckets.get(start)!) this.emit(k, start, acc.sum, acc.count);
      this.buckets.delete(start);
    }
  }

  end(): void {
    this.fire(Number.POSITIVE_INFINITY);
  }
}

/** Checksum of window results: count of results, total of sums, total of counts. */
export class WindowChecksum {
  results = 0;
  sums = 0;
  counts = 0;
  add(sum: number, count: number): void {
    this.results++;
    this.sums += sum;
    this.counts += count;
  }
  toString(): string {
    return `${this.results}:${this.sums}:${this.counts}`;
  }
  /** An objectMode Writable adding `{ s, n }` window results to this checksum. */
  writable(): Writable {
    return new Writable({
      objectMode: true,
      write: (r: { s: number; n: number }, _e, cb) => {
        this.add(r.s, r.n);
        cb();
      },
    });
  }
}

/** The node:stream baseline: a stateful objectMode Transform running the same plain windows. */
export function windowTransform<R>(
  size: number,
  key: (r: R) => unknown,
  ts: (r: R) => number,
  value: (r: R) => number,
): Transform {
  let w!: PlainTumbling<R>;
  return new Transform({
    objectMode: true,
    construct(cb) {
      w = new PlainTumbling<R>(size, key, ts, value, (k, start, sum, count) =>
        this.push({ key: k, start, s: sum, n: count }),
      );
      cb();
    },
    transform(r: R, _e, cb) {
      w.add(r);
      cb();
    },
    flush(cb) {
      w.end();
      cb();
    },
  });
}
