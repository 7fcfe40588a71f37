import { describe, expect, it } from "vitest";
import { Persistence } from "../../src/scheduler/persistence.js";
import { emptyState, type StoreState, type TaskStoreBackend } from "../../src/scheduler/store/store-state.js";
import { DELETED } from "../../src/scheduler/task-run.js";
import type { Logger } from "../../src/util/logger.js";

/** A backend whose saves wait for the test (or fail), recording deep copies of what they wrote. */
function heldBackend() {
  const writes: StoreState[] = [];
  const started: number[] = [];
  const gates: ((err?: Error) => void)[] = [];
  const backend: TaskStoreBackend = {
    name: "held",
    async load() {
      const s = emptyState();
      s.data.t = { a: 1 };
      return s;
    },
    async save(s) {
      started.push(started.length);
      const err = await new Promise<Error | undefined>((r) => gates.push(r));
      if (err !== undefined) throw err;
      writes.push(structuredClone(s));
    },
  };
  const next = async () => {
    for (let i = 0; i < 1000 && gates.length === 0; i++) await new Promise((r) => setImmediate(r));
    return gates.shift()!;
  };
  return { backend, writes, started, next };
}

function recordingLogger() {
  const errors: [object, string | undefined][] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (o, m) => void errors.push([o, m]) };
  return { logger, errors };
}

describe("Persistence", () => {
  it("load() takes the backend's state", async () => {
    const { backend } = heldBackend();
    const p = new Persistence(backend, recordingLogger().logger);
    expect(p.loaded).toBe(false);
    await p.load();
    expect(p.loaded).toBe(true);
    expect(p.state.data).toEqual({ t: { a: 1 } });
  });

  it("saves run one after the other; a failed one rejects its caller, is logged, and the next still runs", async () => {
    const { backend, writes, started, next } = heldBackend();
    const { logger, errors } = recordingLogger();
    const p = new Persistence(backend, logger);
    const first = p.save();
    const second = p.save();
    const third = p.save();
    const failFirst = await next();
    // one save at a time: the others wait for the first
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(1);
    failFirst(new Error("disk full"));
    await expect(first).rejects.toThrow("disk full");
    expect(errors).toHaveLength(1);
    expect(errors[0][0]).toMatchObject({ store: "held", err: { message: "disk full" } });
    expect(errors[0][1]).toBe("store save failed");
    const releaseSecond = await next();
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(2);
    releaseSecond();
    await second;
    (await next())();
    await third;
    expect(writes).toHaveLength(2);
    expect(errors).toHaveLength(1);
  });

  it("commit applies staged writes and deletes over the committed namespace, then saves", async () => {
    const { backend, writes, next } = heldBackend();
    const p = new Persistence(backend, recordingLogger().logger);
    await p.load();
    p.state.checkpoints.t = { at: 1 };
    const staged = new Map<string, unknown>([
      ["a", DELETED],
      ["b", 2],
    ]) as Map<string, never>;
    const c = p.commit("t", staged, false);
    (await next())();
    await c;
    expect(writes[0].data.t).toEqual({ b: 2 });
    expect(writes[0].checkpoints.t).toEqual({ at: 1 });
    const d = p.commit("t", null, true);
    (await next())();
    await d;
    expect(writes[1].data.t).toEqual({ b: 2 });
    expect(Object.hasOwn(writes[1].checkpoints, "t")).toBe(false);
  });

  it("a failed commit is rolled back: namespace and checkpoint as before, error rethrown", async () => {
    const { backend, next } = heldBackend();
    const p = new Persistence(backend, recordingLogger().logger);
    await p.load();
    p.state.checkpoints.t = { at: 1 };
    const before = p.state.data.t;
    const c = p.commit("t", new Map([["a", 5]]), true);
    expect(p.state.data.t).toEqual({ a: 5 });
    expect(Object.hasOwn(p.state.checkpoints, "t")).toBe(false);
    (await next())(new Error("disk full"));
    await expect(c).rejects.toThrow("disk full");
    expect(p.state.data.t).toBe(before);
    expect(p.state.data.t).toEqual({ a: 1 });
    expect(p.state.checkpoints.t).toEqual({ at: 1 });
    // a task with no namespace and no checkpoint before has none after
    const d = p.commit("new", new Map([["x", 1]]), true);
    (await next())(new Error("disk full"));
    await expect(d).rejects.toThrow("disk full");
    expect(Object.hasOwn(p.state.data, "new")).toBe(false);
    expect(Object.hasOwn(p.state.checkpoints, "new")).toBe(false);
  });
});
