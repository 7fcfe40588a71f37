/**
 * W1: map + filter over N records `{ id, key: id % 1000, value: id % 97 }`: map `value * 2`,
 * keep even ids, sum and count. Every implementation builds the same records and must print
 * the same checksum (`count:sum`).
 */
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import highland from "highland";
import { range, filter as rxFilter, map as rxMap } from "rxjs";
import { Env, Sink } from "../src/index.js";
import { args, measure, recordReadable, recordSource } from "./lib.js";

interface Rec {
  id: number;
  key: number;
  value: number;
}
const make = (id: number): Rec => ({ id, key: id % 1000, value: id % 97 });
const double = (r: Rec): Rec => ({ id: r.id, key: r.key, value: r.value * 2 });
const even = (r: Rec) => r.id % 2 === 0;

const { impl, size: N } = args(5_000_000);

class SumSink extends Sink<Rec> {
  count = 0;
  sum = 0;
  produce(elems: Rec[]): void {
    for (let i = 0; i < elems.length; i++) {
      this.count++;
      this.sum += elems[i].value;
    }
  }
}

const impls: Record<string, () => Promise<string> | string> = {
  loop() {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const r = double(make(i));
      if (!even(r)) continue;
      count++;
      sum += r.value;
    }
    return `${count}:${sum}`;
  },
  "loop-batched"() {
    // the same loop over materialised 1,024-record arrays, as any source hands them over
    let count = 0;
    let sum = 0;
    for (let b = 0; b < N; b += 1024) {
      const end = Math.min(N, b + 1024);
      const batch = new Array<Rec>(end - b);
      for (let i = b; i < end; i++) batch[i - b] = make(i);
      for (let k = 0; k < batch.length; k++) {
        const r = double(batch[k]);
        if (!even(r)) continue;
        count++;
        sum += r.value;
      }
    }
    return `${count}:${sum}`;
  },
  async mass() {
    const sink = new SumSink();
    await new Env().from(recordSource(N, make)).map(double).filter(even).to(sink);
    return `${sink.count}:${sink.sum}`;
  },
  async "node-transform"() {
    let count = 0;
    let sum = 0;
    await pipeline(
      recordReadable(N, make),
      new Transform({ objectMode: true, transform: (r, _e, cb) => cb(null, double(r)) }),
      new Transform({ objectMode: true, transform: (r, _e, cb) => (even(r) ? cb(null, r) : cb()) }),
      new Writable({
        objectMode: true,
        write(r: Rec, _e, cb) {
          count++;
          sum += r.value;
          cb();
        },
      }),
    );
    return `${count}:${sum}`;
  },
  async "node-batched"() {
    let i = 0;
    let count = 0;
    let sum = 0;
    await pipeline(
      new Readable({
        objectMode: true,
        read() {
          for (;;) {
            if (i >= N) return void this.push(null);
            const end = Math.min(N, i + 1024);
            const batch: Rec[] = [];
            while (i < end) batch.push(make(i++));
            if (!this.push(batch)) return;
          }
        },
      }),
      new Transform({ objectMode: true, transform: (b: Rec[], _e, cb) => cb(null, b.map(double)) }),
      new Transform({ objectMode: true, transform: (b: Rec[], _e, cb) => cb(null, b.filter(even)) }),
      new Writable({
        objectMode: true,
        write(b: Rec[], _e, cb) {
          for (const r of b) {
            count++;
            sum += r.value;
          }
          cb();
        },
      }),
    );
    return `${count}:${sum}`;
  },
  rxjs() {
    return new Promise<string>((resolve) => {
      let count = 0;
      let sum = 0;
      range(0, N)
        .pipe(rxMap(make), rxMap(double), rxFilter(even))
        .subscribe({
          next(r) {
            count++;
            sum += r.value;
          },
          complete: () => resolve(`${count}:${sum}`),
        });
    });
  },
  highland() {
    return new Promise<string>((resolve) => {
      let count = 0;
      let sum = 0;
      function* gen() {
        for (let i = 0; i < N; i++) yield make(i);
      }
      highland(gen())
        .map(double)
        .filter(even)
        .each((r) => {
          count++;
          sum += r.value;
        })
        .done(() => resolve(`${count}:${sum}`));
    });
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure("W1 map+filter", impl, N, job);
