import { describe, expect, it, vi } from "vitest";
import { CursorAcks } from "../../src/connectors/cursor-acks.js";
import { MemoryOffsetStore, memoryOffsetStore } from "../../src/connectors/offset-store.js";
import { ConnectorError } from "../../src/errors.js";
import { Env, Sink, Source } from "../../src/index.js";

/** Hands out 0..n-1 in batches; its cursor is the last value handed out. */
class CountingSource extends Source<number> {
  readonly acks: CursorAcks<number>;
  private next = 0;
  constructor(
    private readonly n: number,
    readonly store: MemoryOffsetStore,
  ) {
    super();
    this.acks = new CursorAcks(store, "k", String, "test");
  }
  consume(size: number): number[] | null {
    if (this.next >= this.n) return null;
    const out: number[] = [];
    while (out.length < size && this.next < this.n) out.push(this.next++);
    this.acks.handOut(out.length, out[out.length - 1]);
    return out;
  }
  override ack(position: number): Promise<void> {
    return this.acks.ack(position);
  }
  override async cleanup(err?: Error): Promise<void> {
    await this.acks.drain(err === undefined);
  }
}

describe("CursorAcks", () => {
  it("saves the cursor of the last acknowledged batch, in order, never past what the sink wrote", async () => {
    const store = new MemoryOffsetStore();
    const written: number[] = [];
    const source = new CountingSource(1000, store);
    const env = new Env({ batchSize: 64 });
    let checks = 0;
    env.from(source).to(
      new (class extends Sink<number> {
        async produce(elems: number[]): Promise<void> {
          // the saved cursor is a value this sink already wrote, never one still in flight
          const saved = store.values.get("k");
          if (saved !== undefined) {
            expect(Number(saved)).toBeLessThanOrEqual(written.at(-1)!);
            checks++;
          }
          await new Promise((r) => setImmediate(r));
          written.push(...elems);
        }
      })(),
    );
    await env.run();
    const saves = store.history.map(([, v]) => Number(v));
    expect(saves.at(-1)).toBe(999);
    for (let i = 1; i < saves.length; i++) expect(saves[i]).toBeGreaterThan(saves[i - 1]);
    // each save is the last value of a batch (63, 127, ...) or the end
    for (const s of saves) expect((s + 1) % 64 === 0 || s === 999).toBe(true);
    expect(source.acks.acked).toBe(1000);
    expect(checks).toBeGreaterThan(10);
    expect(written).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("ack() for a position inside the pending batches saves the last batch ending at or before it", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(10, "a");
    acks.handOut(10, "b");
    acks.handOut(10, "c");
    await acks.ack(20);
    expect(store.values.get("k")).toBe("b");
    expect(acks.acked).toBe(20);
    await acks.ack(25);
    expect(store.history.length).toBe(1);
    await acks.ack(30);
    expect(store.values.get("k")).toBe("c");
  });

  it("after drain, a late ack fails instead of writing to a closed store", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    await acks.drain(false);
    const err = await acks.ack(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).message).toMatch(/already closed/);
    expect((err as ConnectorError).connector).toBe("test");
    expect(store.history).toEqual([]);
  });
});

/** A store whose saves wait until the test lets them go, and may fail. */
class HeldStore extends MemoryOffsetStore {
  private gates: (() => void)[] = [];
  fail: Error | undefined;
  readonly started: string[] = [];
  override async save(key: string, value: string): Promise<void> {
    this.started.push(value);
    await new Promise<void>((r) => this.gates.push(r));
    if (this.fail !== undefined) throw this.fail;
    await super.save(key, value);
  }
  /** Lets the oldest waiting save go on. */
  letOne(): void {
    this.gates.shift()?.();
  }
}

/** Resolves when `cond()` holds, checking after each macrotask (no fixed wait). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe("CursorAcks bookkeeping", () => {
  it("counts the records handed out and the position saved", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<number>(store, "k", (c) => `c${c}`, "test");
    expect(acks.emitted).toBe(0);
    expect(acks.acked).toBe(0);
    acks.handOut(3, 30);
    acks.handOut(4, 70);
    expect(acks.emitted).toBe(7);
    await acks.ack(3);
    expect(acks.acked).toBe(3);
    expect(store.values.get("k")).toBe("c30");
    await acks.ack(7);
    expect(acks.acked).toBe(7);
    expect(store.history).toEqual([
      ["k", "c30"],
      ["k", "c70"],
    ]);
  });

  it("an ack before any batch ended saves nothing; one past several batches saves only the last", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(5, "a");
    acks.handOut(5, "b");
    acks.handOut(5, "c");
    await acks.ack(4);
    expect(store.history).toEqual([]);
    expect(acks.acked).toBe(0);
    await acks.ack(15);
    expect(store.history).toEqual([["k", "c"]]);
    expect(acks.acked).toBe(15);
  });

  it("saves one at a time, in order: a later ack waits for the save in flight", async () => {
    const store = new HeldStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    acks.handOut(1, "b");
    const first = acks.ack(1);
    const second = acks.ack(2);
    await until(() => store.started.length === 1);
    // the second save has not started while the first is in flight
    await new Promise((r) => setImmediate(r));
    expect(store.started).toEqual(["a"]);
    expect(acks.acked).toBe(0);
    store.letOne();
    await first;
    expect(acks.acked).toBe(1);
    await until(() => store.started.length === 2);
    store.letOne();
    await second;
    expect(store.history.map(([, v]) => v)).toEqual(["a", "b"]);
    expect(acks.acked).toBe(2);
  });

  it("a failed save rejects its ack and does not move the saved position", async () => {
    const store = new HeldStore();
    store.fail = new Error("disk gone");
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    const p = acks.ack(1);
    await until(() => store.started.length === 1);
    store.letOne();
    await expect(p).rejects.toThrow("disk gone");
    expect(acks.acked).toBe(0);
  });

  it("drain(true) waits until every record handed out is saved, then closes", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(10, "a");
    acks.handOut(10, "b");
    let drained = false;
    const d = acks.drain(true).then(() => {
      drained = true;
    });
    await acks.ack(10);
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    await acks.ack(20);
    await d;
    expect(drained).toBe(true);
    expect(store.values.get("k")).toBe("b");
    // closed now: a later ack fails and saves nothing
    acks.handOut(1, "c");
    await expect(acks.ack(21)).rejects.toThrow(/"k" not saved at position 21: the source was already closed/);
    expect(store.history.length).toBe(2);
  });

  it("drain(true) with nothing outstanding returns at once", async () => {
    const store = new MemoryOffsetStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    await acks.ack(1);
    vi.useFakeTimers();
    try {
      let drained = false;
      const d = acks.drain(true).then(() => {
        drained = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(drained).toBe(true);
      await d;
    } finally {
      vi.useRealTimers();
    }
  });

  it("drain(true) gives up after 10 s without an ack (a sink below failed), not before", async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryOffsetStore();
      const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
      acks.handOut(10, "a");
      acks.handOut(10, "b");
      let drained = false;
      const d = acks.drain(true).then(() => {
        drained = true;
      });
      await vi.advanceTimersByTimeAsync(9_000);
      // progress restarts the 10 s
      await acks.ack(10);
      await vi.advanceTimersByTimeAsync(9_990);
      expect(drained).toBe(false);
      await vi.advanceTimersByTimeAsync(10);
      expect(drained).toBe(true);
      await d;
      expect(store.values.get("k")).toBe("a");
      await expect(acks.ack(20)).rejects.toThrow(/already closed/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("drain(false) does not wait for acks, but waits for the save in flight", async () => {
    const store = new HeldStore();
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    acks.handOut(1, "b");
    const saving = acks.ack(1);
    await until(() => store.started.length === 1);
    let drained = false;
    const d = acks.drain(false).then(() => {
      drained = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    store.letOne();
    await saving;
    await d;
    expect(drained).toBe(true);
    expect(store.values.get("k")).toBe("a");
  });

  it("drain survives a failed save in flight", async () => {
    const store = new HeldStore();
    store.fail = new Error("disk gone");
    const acks = new CursorAcks<string>(store, "k", (c) => c, "test");
    acks.handOut(1, "a");
    const saving = acks.ack(1).catch((e: unknown) => e);
    await until(() => store.started.length === 1);
    const d = acks.drain(false);
    store.letOne();
    await expect(d).resolves.toBeUndefined();
    expect(await saving).toBeInstanceOf(Error);
  });
});

describe("memoryOffsetStore", () => {
  it("loads the value saved last per key, undefined for a key never saved, and keeps every save in order", async () => {
    const store = memoryOffsetStore();
    expect(store).toBeInstanceOf(MemoryOffsetStore);
    expect(await store.load("a")).toBeUndefined();
    await store.save("a", "1");
    await store.save("b", "2");
    await store.save("a", "3");
    expect(await store.load("a")).toBe("3");
    expect(await store.load("b")).toBe("2");
    expect(store.history).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["a", "3"],
    ]);
    // a second store shares nothing with the first
    expect(await memoryOffsetStore().load("a")).toBeUndefined();
  });
});
