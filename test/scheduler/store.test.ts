import { describe, expect, it } from "vitest";
import {
  emptyState,
  type Proceed,
  Scheduler,
  type StoreState,
  type TaskBus,
  type TaskStoreBackend,
  VirtualClock,
} from "../../src/scheduler/index.js";

/** A store that keeps a deep copy of what was saved (as a file would) and fails saves on demand. */
function flakyStore() {
  let saved: StoreState = emptyState();
  const ctl = { failNext: 0, saves: 0 };
  const backend: TaskStoreBackend = {
    name: "flaky",
    async load() {
      return structuredClone(saved);
    },
    async save(s) {
      ctl.saves++;
      if (ctl.failNext > 0) {
        ctl.failNext--;
        throw new Error("disk full");
      }
      saved = structuredClone(s);
    },
  };
  return { backend, ctl, saved: () => saved };
}

describe("task store commits", () => {
  it("a failed commit is rolled back in memory: later runs and later saves never see its writes", async () => {
    const { backend, ctl, saved } = flakyStore();
    const s = new Scheduler({ store: backend, concurrency: 1 });
    const views: unknown[] = [];
    const h = s.spawnTask(
      {
        executor(input: string, _p: Proceed, bus: TaskBus) {
          views.push([input, bus.store.get("k"), bus.store.keys()]);
          if (input === "write") bus.store.set("k", 1);
        },
      },
      { id: "t", overlap: "queue" },
    );
    const other = s.spawnTask(
      { executor: (_i: unknown, _p: Proceed, bus: TaskBus) => bus.store.set("o", true) },
      { id: "other" },
    );
    await s.start();
    ctl.failNext = 1;
    h.sched("write");
    await s.idle();
    expect(s.deadLetters.list()).toMatchObject([
      { taskId: "t", error: { message: 'task "t": committing the task store failed: disk full' } },
    ]);
    h.sched("probe");
    other.sched();
    await s.idle();
    expect(views).toEqual([
      ["write", undefined, []],
      ["probe", undefined, []],
    ]);
    // the next successful save (another task's commit) does not carry the failed writes
    expect(saved().data).toEqual({ other: { o: true } });
    await s.stop();
  });

  it("a retry after a failed commit starts from the committed state, not from the failed attempt's writes", async () => {
    const { backend, ctl, saved } = flakyStore();
    const s = new Scheduler({ store: backend });
    const seen: unknown[] = [];
    const h = s.spawnTask(
      {
        executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          seen.push({ attempt: bus.attempt, n: bus.store.get("n"), keys: bus.store.keys().sort() });
          bus.store.set("n", (bus.store.get<number>("n") ?? 0) + 1);
          bus.store.set(`attempt${bus.attempt}`, true);
        },
      },
      { id: "counter", retry: { attempts: 2, backoff: { type: "fixed", delayMs: 0 } } },
    );
    await s.start();
    ctl.failNext = 1;
    h.sched();
    await s.idle();
    expect(seen).toEqual([
      { attempt: 1, n: undefined, keys: [] },
      { attempt: 2, n: undefined, keys: [] },
    ]);
    expect(saved().data.counter).toEqual({ n: 1, attempt2: true });
    expect(s.deadLetters.list()).toEqual([]);
    await s.stop();
  });

  it("a failed commit keeps the checkpoint that a successful one would have cleared", async () => {
    const { backend, ctl } = flakyStore();
    const s = new Scheduler({ store: backend });
    const loaded: unknown[] = [];
    const h = s.spawnTask(
      {
        async executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          loaded.push(bus.checkpoint.load());
          if (bus.attempt === 1) {
            await bus.checkpoint.save({ at: 5 });
            ctl.failNext = 1; // the commit that follows fails
          }
        },
      },
      { id: "resumable", restore: true, retry: { attempts: 2, backoff: { type: "fixed", delayMs: 0 } } },
    );
    await s.start();
    h.sched();
    await s.idle();
    expect(loaded).toEqual([undefined, { at: 5 }]);
    h.sched();
    await s.idle();
    expect(loaded[2]).toBeUndefined(); // the successful commit cleared it
    await s.stop();
  });

  it("a failed save of a fire time is logged, not an unhandled rejection, and the fire still runs", async () => {
    const { backend, ctl } = flakyStore();
    const clock = new VirtualClock();
    const errors: unknown[] = [];
    const logger = { error: (o: object) => void errors.push(o), warn() {}, info() {}, debug() {} };
    const s = new Scheduler({ store: backend, clock, logger });
    let runs = 0;
    s.spawnTask({ executor: () => void runs++ }, { id: "tick" }).every(1000);
    await s.start();
    ctl.failNext = 1; // the fire time's save
    await clock.advance(1000);
    await s.idle();
    expect(runs).toBe(1);
    expect(errors).toHaveLength(1);
    await s.stop();
  });
});

describe("a run's view of its task store", () => {
  it("reads its own staged writes and deletes over the committed state, and commits exactly them", async () => {
    const { backend, saved } = flakyStore();
    const s = new Scheduler({ store: backend });
    const views: unknown[] = [];
    const h = s.spawnTask(
      {
        executor(input: string, _p: Proceed, bus: TaskBus) {
          const st = bus.store;
          if (input === "seed") {
            st.set("a", 1);
            st.set("b", { deep: [1] });
            st.set("c", "gone soon");
            return;
          }
          views.push(["committed", st.get("a"), st.get("b"), st.get("c"), st.keys().sort()]);
          st.delete("a");
          st.set("c", "changed");
          st.set("d", 4);
          const value = { n: 1 };
          st.set("e", value);
          value.n = 99; // set() keeps a copy: later changes to the object are not written
          views.push(["staged", st.get("a"), st.get("c"), st.get("d"), st.get("e"), st.keys().sort()]);
          st.set("a", 0); // set after delete
          st.delete("d"); // delete after set
          views.push(["again", st.get("a"), st.get("d"), st.keys().sort()]);
        },
      },
      { id: "view" },
    );
    await s.start();
    h.sched("seed");
    await s.idle();
    h.sched("edit");
    await s.idle();
    expect(views).toEqual([
      ["committed", 1, { deep: [1] }, "gone soon", ["a", "b", "c"]],
      ["staged", undefined, "changed", 4, { n: 1 }, ["b", "c", "d", "e"]],
      ["again", 0, undefined, ["a", "b", "c", "e"]],
    ]);
    expect(saved().data.view).toEqual({ a: 0, b: { deep: [1] }, c: "changed", e: { n: 1 } });
    await s.stop();
  });

  it("a checkpoint is saved at once, as a copy, and loaded only by a run that restores", async () => {
    const { backend, saved } = flakyStore();
    const s = new Scheduler({ store: backend });
    const loaded: unknown[] = [];
    const durable: unknown[] = [];
    const make = (id: string, restore: boolean) =>
      s.spawnTask(
        {
          async executor(_i: unknown, _p: Proceed, bus: TaskBus) {
            loaded.push([id, bus.checkpoint.load()]);
            const cp = { at: 1 };
            await bus.checkpoint.save(cp);
            cp.at = 2; // saved as a copy
            durable.push([id, structuredClone(saved().checkpoints[id])]);
            throw new Error("fail, keeping the checkpoint");
          },
        },
        { id, restore },
      );
    const restoring = make("restoring", true);
    const plain = make("plain", false);
    await s.start();
    restoring.sched();
    plain.sched();
    await s.idle();
    restoring.sched();
    plain.sched();
    await s.idle();
    expect(loaded).toEqual([
      ["restoring", undefined],
      ["plain", undefined],
      ["restoring", { at: 1 }],
      ["plain", undefined],
    ]);
    // on the backend before the run ended (the run then failed, which keeps it)
    expect(durable).toEqual([
      ["restoring", { at: 1 }],
      ["plain", { at: 1 }],
      ["restoring", { at: 1 }],
      ["plain", { at: 1 }],
    ]);
    await s.stop();
  });
});
