import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { Env, GroupByStateAggregator, Max, StateGenerator, Sum, session, tumbling } from "../../src/index.js";

const recs = [
  { t: 0, city: "a", shop: "x", v: 1 },
  { t: 100, city: "b", shop: "x", v: 2 },
  { t: 200, city: "a", shop: "y", v: 3 },
  { t: 300, city: "a", shop: "x", v: 4 },
  { t: 5000, city: "b", shop: "y", v: 5 },
  { t: 5100, city: "b", shop: "y", v: 6 },
];

describe("state generators and GroupByStateAggregator", () => {
  it("several assigners (functions or field names) group by the array of their values", async () => {
    const w = new Env()
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(tumbling(1000))
      .agg();
    w.use(GroupByStateAggregator, "city", (r: (typeof recs)[number]) => r.shop).sum((r) => r.v);
    expect((await w.toArray()).map((r) => r.value)).toEqual([
      [
        { key: ["a", "x"], value: 5 },
        { key: ["b", "x"], value: 2 },
        { key: ["a", "y"], value: 3 },
      ],
      [{ key: ["b", "y"], value: 11 }],
    ]);
  });

  it("nested groups: use(GroupBy).use(GroupBy).count()", async () => {
    const w = new Env()
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(tumbling(10_000))
      .agg();
    w.use(GroupByStateAggregator, "city").use(GroupByStateAggregator, "shop").count();
    const [r] = await w.toArray();
    expect(r.value).toEqual([
      {
        key: "a",
        value: [
          { key: "x", value: 2 },
          { key: "y", value: 1 },
        ],
      },
      {
        key: "b",
        value: [
          { key: "x", value: 1 },
          { key: "y", value: 2 },
        ],
      },
    ]);
  });

  it("session windows merge the groups of merged sessions", async () => {
    // gap 1000: [0..300] is one session for both cities, [5000..5100] another
    const w = new Env()
      .from([...recs].reverse())
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 10_000 })
      .window(session(1000))
      .agg();
    w.use(GroupByStateAggregator, "city").sum((r) => r.v);
    const out = (await w.toArray()).map((r) => [r.window.start, r.value]);
    expect(out).toEqual([
      [
        0,
        expect.arrayContaining([
          { key: "a", value: 8 },
          { key: "b", value: 2 },
        ]),
      ],
      [5000, [{ key: "b", value: 11 }]],
    ]);
  });

  it("snapshot, restore and clone keep every group's state", () => {
    const root = new StateGenerator<{ k: string; v: number }>();
    root
      .use(GroupByStateAggregator<{ k: string; v: number }>, "k")
      .use(Max<{ k: string; v: number }>, (r) => r.v);
    const a = root.createState();
    for (const r of [
      { k: "p", v: 3 },
      { k: "q", v: 1 },
      { k: "p", v: 7 },
    ])
      a.collect(r);
    const b = root.createState();
    b.restore(structuredClone(a.snapshot()));
    const c = a.clone();
    a.collect({ k: "q", v: 100 });
    const want = [
      { key: "p", value: 7 },
      { key: "q", value: 1 },
    ];
    expect(b.yield()).toEqual(want);
    expect(c.yield()).toEqual(want);
    expect(a.yield()).toEqual([
      { key: "p", value: 7 },
      { key: "q", value: 100 },
    ]);
  });

  it("async inner states: their promises are passed on", async () => {
    class AsyncSum extends Sum<number> {
      override yield(): number {
        return Promise.resolve(super.yield()) as unknown as number;
      }
    }
    const root = new StateGenerator<number>();
    root.use(GroupByStateAggregator<number>, (x: number) => x % 2).use(AsyncSum);
    const s = root.createState();
    for (const x of [1, 2, 3, 4]) s.collect(x);
    expect(await s.yield()).toEqual([
      { key: 1, value: 4 },
      { key: 0, value: 6 },
    ]);
  });

  it("bad chains are ConfigErrors", async () => {
    const root = new StateGenerator();
    expect(() => root.use((() => 1) as unknown as typeof Sum)).toThrow(/expected a StateAggregator class/);
    root.use(Sum);
    expect(() => root.use(Max)).toThrow(/already uses Sum; chain on the returned generator/);
    expect(() => new GroupByStateAggregator()).toThrow(ConfigError);
    expect(() => new GroupByStateAggregator(42 as unknown as string)).toThrow(
      /assigner 0 must be a function/,
    );
    const bare = new Env().from([1, 2]).window(tumbling(10)).agg();
    await expect(bare.toArray()).rejects.toThrow(/agg\(\) was given no aggregator/);
    const open = new Env().from([1, 2]).window(tumbling(10)).agg();
    open.use(GroupByStateAggregator, (x: number) => x);
    await expect(open.toArray()).rejects.toThrow(/holds the states of the next link/);
  });
});
