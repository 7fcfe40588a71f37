import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { count, countWindow, list, StateError, session, sum, tumbling } from "../../src/index.js";
import { isSnapshottable, type Snapshottable } from "../../src/runtime/checkpoint/snapshot-types.js";
import type { RuntimeNode } from "../../src/runtime/node.js";
import { TestHarness } from "../../src/testing/index.js";

interface Ev {
  k: string;
  v: number;
}

/** A job with every kind of stateful node, started. */
function job() {
  const h = new TestHarness();
  const a = h.input<Ev>("a");
  const b = h.input<Ev>("b");
  const ka = a.keyBy((x) => x.k);
  h.output("tumbling", ka.window(tumbling(100)).agg({ n: count(), ids: list((x: Ev) => x.v) }));
  h.output("session", ka.window(session(50)).agg({ s: sum((x: Ev) => x.v) }));
  h.output("count", ka.window(countWindow(3)).agg({ n: count() }));
  h.output("agg", ka.agg({ ids: list((x: Ev) => x.v) }));
  h.output(
    "reduce",
    ka.reduce((p, x) => ({ k: x.k, v: p.v + x.v })),
  );
  h.output(
    "join",
    ka
      .join(b.keyBy((x) => x.k))
      .between(-100, 100)
      .apply((l, r) => ({ k: l.k, l: l.v, r: r.v })),
  );
  h.start();
  const stateful = h.env.runtimeNodes().filter((n) => isSnapshottable(n)) as (RuntimeNode & Snapshottable)[];
  return { h, stateful };
}

describe("node checkpoints", () => {
  it("every stateful node kind snapshots (windows, keyed agg and reduce, join, timestamps)", () => {
    const { stateful } = job();
    const kinds = new Set(stateful.map((n) => (n.snapshotState() as { kind: string }).kind));
    expect([...kinds].sort()).toEqual([
      "join:interval",
      "keyedAgg:agg",
      "keyedAgg:reduce",
      "timestamps",
      "window:count",
      "window:session",
      "window:tumbling",
    ]);
  });

  it("a snapshot is a deep copy: the node's later records do not change it", async () => {
    const { h, stateful } = job();
    for (let i = 0; i < 10; i++) await h.push("a", { k: `k${i % 2}`, v: i }, i * 10);
    await h.push("b", { k: "k0", v: 100 }, 5);
    const snaps = stateful.map((n) => n.snapshotState());
    const bytes = snaps.map((s) => Buffer.from(v8.serialize(s)));
    // every node holds something (else this test proves nothing)
    expect(stateful.filter((n) => n.stateCount > 0).length).toBeGreaterThanOrEqual(5);
    for (let i = 10; i < 20; i++) await h.push("a", { k: `k${i % 2}`, v: i }, i * 10);
    await h.watermark("a", 1000);
    snaps.forEach((s, i) => {
      expect(Buffer.from(v8.serialize(s)).equals(bytes[i])).toBe(true);
    });
    await h.finish();
  });

  it("restoreState of a wrong shape throws a StateError naming the node and what it expected", () => {
    const { h, stateful } = job();
    for (const n of stateful) {
      for (const bad of [null, 42, "x", [], { kind: "nope", v: 1 }]) {
        let err: unknown;
        try {
          n.restoreState(bad);
        } catch (e) {
          err = e;
        }
        expect(err, `${n.name} given ${JSON.stringify(bad)}`).toBeInstanceOf(StateError);
        expect((err as StateError).message).toContain(`node "${n.name}"`);
        expect((err as StateError).message).toMatch(/expected/);
        expect((err as StateError).node).toBe(n.name);
      }
    }
    void h.env.stop();
  });

  it("the state of one window kind is refused by another, and a bad inner shape names what was expected", () => {
    const { h, stateful } = job();
    const byKind = new Map(stateful.map((n) => [(n.snapshotState() as { kind: string }).kind, n]));
    const tumblingState = byKind.get("window:tumbling")!.snapshotState();
    expect(() => byKind.get("window:session")!.restoreState(tumblingState)).toThrow(
      /expected the state of a "window:session" node/,
    );
    const broken = { ...(tumblingState as object), windows: { buckets: [{ start: 0, end: 7, states: [] }] } };
    expect(() => byKind.get("window:tumbling")!.restoreState(broken)).toThrow(/of size 100 ms/);
    const wrongAcc = {
      ...(tumblingState as object),
      windows: { buckets: [{ start: 0, end: 100, fired: false, states: [["k", { nope: 1 }]] }] },
    };
    expect(() => byKind.get("window:tumbling")!.restoreState(wrongAcc)).toThrow(StateError);
    const wrongVersion = { ...(tumblingState as object), v: 2 };
    expect(() => byKind.get("window:tumbling")!.restoreState(wrongVersion)).toThrow(/version 2/);
    const badWm = { ...(tumblingState as object), watermarks: { marks: [1, 2] } };
    expect(() => byKind.get("window:tumbling")!.restoreState(badWm)).toThrow(/watermarks/);
    void h.env.stop();
  });

  it("a harness checkpoint restored into a job without one of its nodes is refused, naming it", async () => {
    const h1 = new TestHarness();
    const a = h1.input<Ev>("a");
    h1.output(
      "n",
      a
        .keyBy((x) => x.k)
        .window(tumbling(100))
        .agg({ n: count() }),
    );
    h1.output("s", a.keyBy((x) => x.k).agg({ s: sum((x: Ev) => x.v) }));
    await h1.push("a", { k: "x", v: 1 }, 1);
    const cp = await h1.checkpoint();
    await h1.env.stop();

    const h2 = new TestHarness({ restore: cp });
    h2.output(
      "n",
      h2
        .input<Ev>("a")
        .keyBy((x) => x.k)
        .window(tumbling(100))
        .agg({ n: count() }),
    );
    expect(() => h2.start()).toThrow(/checkpoint holds state of "keyedAgg:agg" \(n5\), which this job does not have/);
  });
});
