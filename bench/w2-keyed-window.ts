import { pipeline } from "node:stream/promises";
import {
  groupBy,
  mergeMap,
  range,
  filter as rxFilter,
  map as rxMap,
  reduce as rxReduce,
  tap as rxTap,
  Subject,
} from "rxjs";
import { count, Env, Sink, StateAggregator, sum, tumbling } from "../src/index.js";
import { args, measure, recordReadable, recordSource } from "./lib.js";
import { PlainTumbling, WindowChecksum, windowTransform } from "./plain-windows.js";

interface Rec {
  id: number;
  key: number;
  ts: number;
  value: number;
}
const make = (id: number): Rec => ({ id, key: id % 1000, ts: id * 10, value: id % 97 });
const { impl, size: N } = args(2_000_000);

const impls: Record<string, () => Promise<string> | string> = {
  loop() {
    const c = new WindowChecksum();
    const w = new PlainTumbling<Rec>(
      1000,
      (r) => r.key,
      (r) => r.ts,
      (r) => r.value,
      (_k, _s, s, n) => c.add(s, n),
    );
    for (let i = 0; i < N; i++) w.add(make(i));
    w.end();
    return c.toString();
  },
  async mass() {
    const c = new WindowChecksum();
    class Out extends Sink<{ s: number; n: number }> {
      produce(e: { s: number; n: number }[]) {
        for (let i = 0; i < e.length; i++) c.add(e[i].s, e[i].n);
      }
    }
    await new Env()
      .from(recordSource(N, make))
      .withTimestamps((r) => r.ts)
      .keyBy((r) => r.key)
      .window(tumbling(1000))
      .agg({ s: sum((r: Rec) => r.value), n: count() })
      .to(new Out());
    return c.toString();
  },
  async "mass-class"() {
    // the same through a user-defined StateAggregator class, as the original design writes one
    class SumCount extends StateAggregator<Rec, { s: number; n: number }> {
      s = 0;
      n = 0;
      collect(r: Rec) {
        this.s += r.value;
        this.n++;
      }
      yield() {
        return { s: this.s, n: this.n };
      }
    }
    const c = new WindowChecksum();
    class Out extends Sink<{ value: { s: number; n: number } }> {
      produce(e: { value: { s: number; n: number } }[]) {
        for (let i = 0; i < e.length; i++) c.add(e[i].value.s, e[i].value.n);
      }
    }
    await new Env()
      .from(recordSource(N, make))
      .withTimestamps((r) => r.ts)
      .keyBy((r) => r.key)
      .window(tumbling(1000))
      .agg(SumCount)
      .to(new Out());
    return c.toString();
  },
  async "node-transform"() {
    const c = new WindowChecksum();
    await pipeline(
      recordReadable(N, make),
      windowTransform<Rec>(
        1000,
        (r) => r.key,
        (r) => r.ts,
        (r) => r.value,
      ),
      c.writable(),
    );
    return c.toString();
  },
  rxjs() {
    const c = new WindowChecksum();
    // the RxJS idiom for event-time windows: groupBy window, closed by a watermark subject
    // (duration), then groupBy key inside it and reduce
    const watermark = new Subject<number>();
    return new Promise<string>((resolve) => {
      range(0, N)
        .pipe(
          rxMap(make),
          rxTap((r) => watermark.next(r.ts - 1)),
          groupBy((r) => Math.floor(r.ts / 1000), {
            duration: (g) => watermark.pipe(rxFilter((wm) => wm >= (g.key + 1) * 1000 - 1)),
          }),
          mergeMap((w) =>
            w.pipe(
              groupBy((r) => r.key),
              mergeMap((g) =>
                g.pipe(rxReduce((acc, r) => ({ s: acc.s + r.value, n: acc.n + 1 }), { s: 0, n: 0 })),
              ),
            ),
          ),
        )
        .subscribe({ next: (r) => c.add(r.s, r.n), complete: () => resolve(c.toString()) });
    });
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure("W2 keyed tumbling window", impl, N, job);
