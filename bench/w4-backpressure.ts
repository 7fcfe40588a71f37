/**
 * W4 backpressure: N records of ~200 bytes (a fresh 192-byte Buffer each, plus an id) into a
 * sink that awaits `setImmediate` every 1,000 records. A bounded runtime keeps peak RSS flat
 * whatever N; one that queues the source (RxJS with a sync producer) grows with N.
 * Checksum: count and the sum of the first byte of every buffer.
 */
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { bufferCount, concatMap, range, map as rxMap } from "rxjs";
import { Env, Sink, Source } from "../src/index.js";
import { args, measure, recordReadable } from "./lib.js";

interface Rec {
  id: number;
  payload: Buffer;
}
const make = (id: number): Rec => {
  const payload = Buffer.allocUnsafe(192);
  payload[0] = id & 0xff;
  return { id, payload };
};
const tick = () => new Promise<void>((r) => setImmediate(r));

const { impl, size: N } = args(1_000_000);

class SlowSink {
  count = 0;
  sum = 0;
  async write(r: Rec): Promise<void> {
    this.sum += r.payload[0];
    if (++this.count % 1000 === 0) await tick();
  }
  get checksum(): string {
    return `${this.count}:${this.sum}`;
  }
}

const impls: Record<string, () => Promise<string>> = {
  async loop() {
    const s = new SlowSink();
    for (let i = 0; i < N; i++) await s.write(make(i));
    return s.checksum;
  },
  async mass() {
    const s = new SlowSink();
    class Gen extends Source<Rec> {
      i = 0;
      consume(size: number): Rec[] | null {
        if (this.i >= N) return null;
        const out: Rec[] = [];
        while (out.length < size && this.i < N) out.push(make(this.i++));
        return out;
      }
    }
    class Out extends Sink<Rec> {
      async produce(elems: Rec[]): Promise<void> {
        for (const r of elems) await s.write(r);
      }
    }
    await new Env().from(new Gen()).to(new Out());
    return s.checksum;
  },
  async "node-transform"() {
    const s = new SlowSink();
    await pipeline(
      recordReadable(N, make),
      new Writable({
        objectMode: true,
        write(r: Rec, _e, cb) {
          s.write(r).then(() => cb(), cb);
        },
      }),
    );
    return s.checksum;
  },
  rxjs() {
    const s = new SlowSink();
    return new Promise<string>((resolve, reject) => {
      range(0, N)
        .pipe(
          rxMap(make),
          bufferCount(1000),
          concatMap(async (batch) => {
            for (const r of batch) await s.write(r);
          }),
        )
        .subscribe({ error: reject, complete: () => resolve(s.checksum) });
    });
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure(`W4 backpressure ${N / 1e6}M`, impl, N, job);
