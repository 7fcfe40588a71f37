import { describe, expect, it } from "vitest";
import { ConfigError, TaskError } from "../../../src/errors.js";
import { Graph, Scheduler } from "../../../src/scheduler/index.js";
import { gate } from "../events-helper.js";

/** Counts runs per node; `out` decides each run's output (throw to fail). */
function counted(counts: Record<string, number>, node: string, out: (n: number, input: unknown) => unknown) {
  return {
    executor(input: unknown) {
      counts[node] = (counts[node] ?? 0) + 1;
      return out(counts[node], input);
    },
  };
}

function etl(counts: Record<string, number>, bFailsUntil = 1) {
  return new Graph("etl")
    .node(
      "a",
      counted(counts, "a", (n) => `a${n}`),
    )
    .node(
      "b",
      counted(counts, "b", (n) => {
        if (n <= bFailsUntil) throw new Error(`b failed run ${n}`);
        return `b${n}`;
      }),
      { after: "a" },
    )
    .node(
      "c",
      counted(counts, "c", (_n, input) => input),
      { after: ["a", "b"] },
    )
    .node(
      "d",
      counted(counts, "d", (n) => `d${n}`),
      { after: "a" },
    );
}

describe("reruns of a finished instance", () => {
  it("failed: reruns only the failed and skipped-because-failed nodes, reusing succeeded outputs", async () => {
    const s = new Scheduler();
    const counts: Record<string, number> = {};
    const h = s.spawnGraph(etl(counts));
    await s.start();
    const id = h.sched();
    const first = await h.whenDone(id);
    expect(first.status).toBe("failed");
    expect(first.nodes.c).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(h.rerun(id, "failed")).toEqual(["b", "c"]);
    const second = await h.whenDone(id);
    expect(second.status).toBe("succeeded");
    expect(counts).toEqual({ a: 1, b: 2, c: 1, d: 1 });
    expect(second.nodes.c.output).toEqual({ a: "a1", b: "b2" }); // a's output from the first run
    expect(second.nodes.b.runs).toBe(2);
    expect(second.reruns).toBe(1);
    await s.stop();
  });

  it("node: reruns that node only; downstream: it and everything downstream of it", async () => {
    const s = new Scheduler();
    const counts: Record<string, number> = {};
    const h = s.spawnGraph(etl(counts, 0));
    await s.start();
    const id = h.sched();
    await h.whenDone(id);
    expect(counts).toEqual({ a: 1, b: 1, c: 1, d: 1 });

    expect(h.rerun(id, "node", "a")).toEqual(["a"]);
    const afterNode = await h.whenDone(id);
    expect(counts).toEqual({ a: 2, b: 1, c: 1, d: 1 });
    expect(afterNode.nodes.a.output).toBe("a2");
    expect(afterNode.nodes.c.output).toEqual({ a: "a1", b: "b1" }); // dependants keep their state

    expect(h.rerun(id, "downstream", "b")).toEqual(["b", "c"]);
    const afterDown = await h.whenDone(id);
    expect(counts).toEqual({ a: 2, b: 2, c: 2, d: 1 });
    expect(afterDown.nodes.c.output).toEqual({ a: "a2", b: "b2" });
    expect(afterDown.status).toBe("succeeded");
    await s.stop();
  });

  it("a rerun never changes what another running instance sees", async () => {
    const s = new Scheduler({ concurrency: 4 });
    const counts: Record<string, number> = {};
    const hold = gate();
    const seenByX: unknown[] = [];
    const g = new Graph("iso")
      .node(
        "a",
        counted(counts, "a", (n) => `a${n}`),
      )
      .node(
        "b",
        {
          async executor(input: unknown) {
            if ((input as { a: string }).a === "a1") await hold.p; // instance X waits here
            seenByX.push(input);
            return input;
          },
        },
        { after: "a" },
      );
    const h = s.spawnGraph(g);
    await s.start();
    const x = h.sched();
    const y = h.sched();
    await h.whenDone(y);
    h.rerun(y, "downstream", "a");
    await h.whenDone(y);
    expect(counts.a).toBe(3);
    hold.open();
    const dx = await h.whenDone(x);
    expect(dx.nodes.a.output).toBe("a1");
    expect(dx.nodes.b.output).toEqual({ a: "a1" });
    expect(h.instance(y)?.nodes.b.output).toEqual({ a: "a3" });
    await s.stop();
  });

  it("rerunning an unfinished instance is a TaskError; a bad kind or node is a ConfigError", async () => {
    const s = new Scheduler();
    const hold = gate();
    const h = s.spawnGraph(
      new Graph("busy")
        .node("a", { executor: () => hold.p })
        .node("b", { executor: () => {} }, { after: "a" }),
    );
    await s.start();
    const id = h.sched();
    expect(() => h.rerun(id, "failed")).toThrow(TaskError);
    expect(() => h.rerun(id, "failed")).toThrow(/is (waiting|running); rerun a finished instance/);
    hold.open();
    await h.whenDone(id);
    expect(() => h.rerun(id, "node")).toThrow(ConfigError);
    expect(() => h.rerun(id, "node")).toThrow(/give the node to rerun; graph "busy" has "a", "b"/);
    expect(() => h.rerun(id, "node", "zz")).toThrow(/rerun\(node\): graph "busy" has no node "zz"/);
    expect(() => h.rerun(id, "everything" as never, "a")).toThrow(/kind must be/);
    expect(h.rerun(id, "failed")).toEqual([]);
    expect((await h.whenDone(id)).status).toBe("succeeded");
    await s.stop();
  });
});
