import { describe, expect, it } from "vitest";
import { TaskError } from "../../../src/errors.js";
import { ArraySink, type Env } from "../../../src/index.js";
import {
  Graph,
  type GraphEvent,
  memoryStore,
  type Proceed,
  Scheduler,
  StreamTask,
  type TaskBus,
  VirtualClock,
} from "../../../src/scheduler/index.js";
import { gate } from "../events-helper.js";

type Log = { node: string; input: unknown }[];

/** A node task that logs its input and returns `out(input)`. */
function step(log: Log, node: string, out: (input: unknown) => unknown = () => node) {
  return {
    name: node,
    executor(input: unknown) {
      log.push({ node, input });
      return out(input);
    },
  };
}

function failing(log: Log, node: string, message = `${node} broke`) {
  return {
    executor(input: unknown) {
      log.push({ node, input });
      throw new Error(message);
    },
  };
}

describe("graph instances", () => {
  it("a diamond: a node's input is its upstream outputs by name; roots get the instance input", async () => {
    const s = new Scheduler({ concurrency: 2 });
    const log: Log = [];
    const g = new Graph("diamond")
      .node(
        "a",
        step(log, "a", (x) => ({ n: (x as { n: number }).n + 1 })),
      )
      .node(
        "b",
        step(log, "b", (x) => (x as { a: { n: number } }).a.n * 10),
        { after: "a" },
      )
      .node(
        "c",
        step(log, "c", (x) => (x as { a: { n: number } }).a.n * 100),
        { after: "a" },
      )
      .node(
        "d",
        step(log, "d", (x) => x),
        { after: ["b", "c"] },
      );
    const h = s.spawnGraph(g);
    await s.start();
    const id = h.sched({ n: 1 });
    const done = await h.whenDone(id);
    expect(done.status).toBe("succeeded");
    expect(log.map((l) => l.node).sort()).toEqual(["a", "b", "c", "d"]);
    expect(log[0]).toEqual({ node: "a", input: { n: 1 } });
    expect(log.find((l) => l.node === "d")?.input).toEqual({ b: 20, c: 200 });
    expect(done.nodes.d).toMatchObject({
      status: "succeeded",
      output: { b: 20, c: 200 },
      runs: 1,
      attempts: 1,
    });
    expect(done.input).toEqual({ n: 1 });
    await s.stop();
  });

  it("each trigger makes an instance with its own id; every(ms) with overlap 'skip' skips while one is unfinished", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const g1 = gate();
    const log: Log = [];
    const h = s
      .spawnGraph(
        new Graph("tick").node("slow", {
          async executor(input: unknown) {
            log.push({ node: "slow", input });
            if (log.length === 1) await g1.p;
          },
        }),
      )
      .every(1000);
    await s.start();
    await clock.advance(3000); // fires at 1000 (runs, blocked), 2000 and 3000 skipped
    expect(h.instances()).toHaveLength(1);
    g1.open();
    await s.idle();
    await clock.advance(1000);
    await s.idle();
    const all = h.instances();
    expect(all).toHaveLength(2);
    expect(new Set(all.map((i) => i.id)).size).toBe(2);
    expect(all.every((i) => i.status === "succeeded")).toBe(true);
    await s.stop();
  });

  it("a failed node fails the instance: its dependants are skipped, independent branches still run", async () => {
    const s = new Scheduler();
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("f")
        .node("a", step(log, "a"))
        .node("b", failing(log, "b"), { after: "a" })
        .node("c", step(log, "c"), { after: "b" })
        .node("d", step(log, "d"), { after: "c" })
        .node("e", step(log, "e"), { after: "a" }),
    );
    await s.start();
    const done = await h.whenDone(h.sched());
    expect(done.status).toBe("failed");
    expect(done.nodes.b).toMatchObject({ status: "failed", error: { message: "b broke" } });
    expect(done.nodes.c).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(done.nodes.d).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(done.nodes.e.status).toBe("succeeded");
    expect(log.map((l) => l.node).sort()).toEqual(["a", "b", "e"]);
    expect(s.deadLetters.list()).toEqual([]); // the instance holds the failure, not the dead-letter queue
    await s.stop();
  });

  it("an optional node's failure lets its dependants run as if it succeeded with no output", async () => {
    const s = new Scheduler();
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("o")
        .node("a", step(log, "a"))
        .node("stats", failing(log, "stats"), { after: "a", optional: true })
        .node("load", step(log, "load"), { after: ["a", "stats"] }),
    );
    await s.start();
    const done = await h.whenDone(h.sched());
    expect(done.status).toBe("succeeded");
    expect(done.nodes.stats.status).toBe("failed");
    expect(log.find((l) => l.node === "load")?.input).toEqual({ a: "a", stats: undefined });
    await s.stop();
  });

  it("a condition on upstream outputs: false skips the node and its dependants; throwing fails it", async () => {
    const s = new Scheduler();
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("c")
        .node(
          "count",
          step(log, "count", (x) => x),
        )
        .node("report", step(log, "report"), {
          after: "count",
          when: (up) => (up.count as number) > 0,
        })
        .node("mail", step(log, "mail"), { after: "report" }),
    );
    await s.start();
    const none = await h.whenDone(h.sched(0));
    expect(none.status).toBe("succeeded");
    expect(none.nodes.report).toMatchObject({ status: "skipped", reason: "condition" });
    expect(none.nodes.mail).toMatchObject({ status: "skipped", reason: "upstream-skipped" });
    const some = await h.whenDone(h.sched(3));
    expect(some.nodes.mail.status).toBe("succeeded");
    expect(log.filter((l) => l.node === "report")).toHaveLength(1);

    const h2 = s.spawnGraph(
      new Graph("c2").node("a", step(log, "a")).node("b", step(log, "b"), {
        after: "a",
        when: () => {
          throw new Error("bad condition");
        },
      }),
    );
    const bad = await h2.whenDone(h2.sched());
    expect(bad.status).toBe("failed");
    expect(bad.nodes.b).toMatchObject({
      status: "failed",
      error: { message: "condition failed: bad condition" },
    });
    await s.stop();
  });

  it("per-node retries (the task policy) and timeouts", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    let flaky = 0;
    const h = s.spawnGraph(
      new Graph("r")
        .node(
          "flaky",
          {
            executor() {
              if (++flaky < 3) throw new Error(`try ${flaky}`);
              return flaky;
            },
          },
          { retry: { attempts: 3, backoff: { type: "fixed", delayMs: 100 } } },
        )
        .node("hang", { executor: () => new Promise(() => {}) }, { after: "flaky", timeoutMs: 500 }),
    );
    await s.start();
    const id = h.sched();
    await clock.advance(200);
    expect(h.instance(id)?.nodes.flaky).toMatchObject({ status: "succeeded", attempts: 3, output: 3 });
    await clock.advance(500);
    const done = await h.whenDone(id);
    expect(done.nodes.hang).toMatchObject({ status: "failed", error: { name: "TaskTimeoutError" } });
    await s.stop({ timeoutMs: 0, forceAfterMs: 0 });
  });

  it("parallelism is bounded by the graph's maxParallel and by the scheduler's slots", async () => {
    for (const [concurrency, maxParallel, bound] of [
      [8, 2, 2],
      [3, 10, 3],
    ] as const) {
      const clock = new VirtualClock();
      const s = new Scheduler({ clock, concurrency });
      let running = 0;
      let peak = 0;
      const work = {
        async executor() {
          running++;
          peak = Math.max(peak, running);
          await new Promise<void>((r) => clock.setTimeout(r, 10));
          running--;
        },
      };
      const g = new Graph(`wide${concurrency}`, { maxParallel }).node("root", work);
      for (let i = 0; i < 8; i++) g.node(`leaf${i}`, work, { after: "root" });
      const h = s.spawnGraph(g);
      await s.start();
      const ids = [h.sched(), h.sched()];
      await clock.advance(1000);
      for (const id of ids) expect((await h.whenDone(id)).status).toBe("succeeded");
      expect(peak).toBe(bound);
      await s.stop();
    }
  });

  it("a StreamTask is a node: its output is the Env's report", async () => {
    const s = new Scheduler();
    const sink = new ArraySink<number>();
    class Double extends StreamTask<number[]> {
      streamProcessExecutor(env: Env, _bus: TaskBus, input: number[]) {
        env
          .from(input)
          .map((x) => x * 2)
          .to(sink);
      }
    }
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("st").node("double", Double).node(
        "after",
        step(log, "after", (x) => x),
        { after: "double" },
      ),
    );
    await s.start();
    const done = await h.whenDone(h.sched([1, 2, 3]));
    expect(sink.records).toEqual([2, 4, 6]);
    expect(done.nodes.double.output).toMatchObject({ status: "finished", recordsIn: 3, recordsOut: 3 });
    expect((log[0].input as { double: { recordsOut: number } }).double.recordsOut).toBe(3);
    await s.stop();
  });

  it("stopInstance(): queued nodes never run, a running one is stopped; bus.graph tells a node where it is", async () => {
    const s = new Scheduler({ concurrency: 1 });
    const started = gate();
    let where: unknown;
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("s")
        .node("long", {
          async executor(_i: unknown, proceed: Proceed, bus: TaskBus) {
            where = { ...bus.graph };
            started.open();
            await new Promise((r) => bus.signal.addEventListener("abort", r));
            await proceed();
          },
        })
        .node("other", step(log, "other"))
        .node("next", step(log, "next"), { after: "long" }),
    );
    await s.start();
    const id = h.sched({ day: 1 });
    await started.p;
    expect(where).toEqual({
      graphId: "s",
      instanceId: id,
      node: "long",
      instanceInput: { day: 1 },
      upstream: {},
    });
    await h.stopInstance(id, new Error("operator"));
    const done = h.instance(id)!;
    expect(done.status).toBe("stopped");
    expect(done.nodes.long).toMatchObject({ status: "stopped" });
    expect(done.nodes.other.status).toBe("waiting");
    expect(done.nodes.next.status).toBe("waiting");
    expect(log).toEqual([]);
    await s.stop();
  });

  it("graph events follow instance and node states; toMermaid() of an instance shows them", async () => {
    const s = new Scheduler();
    const events: GraphEvent[] = [];
    s.on("graph", (e) => events.push(e));
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("ev").node("a", step(log, "a")).node("b", failing(log, "b"), { after: "a" }),
    );
    await s.start();
    const id = h.sched();
    await h.whenDone(id);
    expect(events.map((e) => `${e.node ?? "*"}:${e.status}`)).toEqual([
      "*:waiting",
      "*:running",
      "a:running",
      "a:succeeded",
      "b:running",
      "b:failed",
      "*:failed",
    ]);
    expect(events.every((e) => e.instanceId === id && e.graphId === "ev")).toBe(true);
    const m = h.toMermaid(id);
    expect(m).toContain('n0["a<br/>succeeded"]');
    expect(m).toContain('n1["b<br/>failed"]');
    expect(m).toContain("class n0 succeeded");
    expect(m).toContain("classDef failed fill:#f8d7da");
    expect(s.graphInstance(id)?.instance.status).toBe("failed");
    expect(s.graphs().map((g) => g.id)).toEqual(["ev"]);
    await s.stop();
  });

  it("pause() holds new node runs; resume() goes on", async () => {
    const s = new Scheduler();
    const log: Log = [];
    const h = s.spawnGraph(
      new Graph("p").node("a", step(log, "a")).node("b", step(log, "b"), { after: "a" }),
    );
    await s.start();
    h.pause();
    const id = h.sched();
    await s.idle();
    expect(log).toEqual([]);
    expect(h.instance(id)?.status).toBe("waiting");
    h.resume();
    expect((await h.whenDone(id)).status).toBe("succeeded");
    expect(log.map((l) => l.node)).toEqual(["a", "b"]);
    await s.stop();
  });

  it("instances made before start run at start and are kept in the store", async () => {
    const store = memoryStore();
    const s = new Scheduler({ store });
    const log: Log = [];
    const h = s.spawnGraph(new Graph("early").node("a", step(log, "a")));
    const id = h.sched("x");
    await s.start();
    expect((await h.whenDone(id)).status).toBe("succeeded");
    expect((await store.load()).graphs?.[id]?.nodes.a.output).toBe("a");
    expect(() => h.rerun("nope", "failed")).toThrow(TaskError);
    await s.stop();
  });

  it("a scheduler stop mid-instance leaves it to continue after a restart: node runs cut by the stop run again", async () => {
    const store = memoryStore();
    const counts: Record<string, number> = {};
    const hold = gate();
    const running = gate();
    const make = (block: boolean) =>
      new Graph("resume")
        .node("a", {
          executor() {
            counts.a = (counts.a ?? 0) + 1;
            return "A";
          },
        })
        .node(
          "b",
          {
            async executor(input: unknown) {
              counts.b = (counts.b ?? 0) + 1;
              if (block) {
                running.open();
                await hold.p;
              }
              return input;
            },
          },
          { after: "a" },
        );
    const s1 = new Scheduler({ store });
    const h1 = s1.spawnGraph(make(true));
    await s1.start();
    const id = h1.sched();
    await running.p;
    await s1.stop({ timeoutMs: 0, forceAfterMs: 0 });
    expect(h1.instance(id)).toMatchObject({
      status: "running",
      nodes: { a: { status: "succeeded" }, b: { status: "waiting" } },
    });

    const s2 = new Scheduler({ store });
    const h2 = s2.spawnGraph(make(false));
    await s2.start();
    const done = await h2.whenDone(id);
    expect(done.status).toBe("succeeded");
    expect(done.nodes.b.output).toEqual({ a: "A" });
    expect(counts).toEqual({ a: 1, b: 2 });
    await s2.stop();
  });

  it("signals make instances with their payload; handle.stop() stops unfinished instances; reads are copies", async () => {
    const s = new Scheduler();
    const log: Log = [];
    const hold = gate();
    const h = s
      .spawnGraph(
        new Graph("sig").node("a", {
          async executor(input: unknown, _p: Proceed, bus: TaskBus) {
            log.push({ node: "a", input });
            if (input === "block") await new Promise((r) => bus.signal.addEventListener("abort", r));
            else await hold.p;
          },
        }),
      )
      .on("reindex");
    expect(() => s.spawnGraph(new Graph("sig").node("x", { executor() {} }))).toThrow(/exists already/);
    await s.start();
    const aRunning = new Promise<void>((resolve) =>
      s.on("graph", (e) => {
        if (e.node === "a" && e.status === "running") resolve();
      }),
    );
    expect(s.signal("reindex", "block")).toBe(1);
    await aRunning;
    const [inst] = h.instances();
    expect(inst.input).toBe("block");
    inst.status = "succeeded"; // a copy: changes nothing
    expect(h.instances({ status: "running" })).toHaveLength(1);
    await h.stop(new Error("retired"));
    expect(h.instances().map((i) => i.status)).toEqual(["stopped"]);
    expect(() => h.sched()).toThrow(/graph "sig" is stopped/);
    hold.open();
    await s.stop();
    expect(() => h.sched()).toThrow(/while STOPPED/);
  });

  it("an unfinished instance of an earlier version of the graph continues with the nodes the graph has now", async () => {
    const store = memoryStore();
    const hold = gate();
    const s1 = new Scheduler({ store });
    const h1 = s1.spawnGraph(
      new Graph("v")
        .node("a", { executor: () => "A" })
        .node("old", { executor: () => hold.p }, { after: "a" }),
    );
    await s1.start();
    const id = h1.sched();
    await new Promise<void>((resolve) =>
      s1.on("graph", (e) => {
        if (e.node === "old" && e.status === "running") resolve();
      }),
    );
    await s1.stop({ timeoutMs: 0, forceAfterMs: 0 });
    const warnings: object[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object) => void warnings.push(o) };
    const s2 = new Scheduler({ store, logger });
    const log: Log = [];
    const h2 = s2.spawnGraph(
      new Graph("v").node("a", step(log, "a")).node(
        "new",
        step(log, "new", (x) => x),
        { after: "a" },
      ),
    );
    await s2.start();
    const done = await h2.whenDone(id);
    expect(done.status).toBe("succeeded");
    expect(Object.keys(done.nodes).sort()).toEqual(["a", "new"]);
    expect(done.nodes.new.output).toEqual({ a: "A" });
    expect(log.map((l) => l.node)).toEqual(["new"]);
    expect(warnings).toEqual([{ graph: "v", instance: id, node: "old" }]);
    hold.open();
    await s2.stop();
  });
});
