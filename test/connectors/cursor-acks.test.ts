import { describe, expect, it } from "vitest";
import { CursorAcks } from "../../src/connectors/cursor-acks.js";
import { MemoryOffsetStore } from "../../src/connectors/offset-store.js";
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
    await expect(acks.ack(1)).rejects.toThrow(/already closed/);
    expect(store.history).toEqual([]);
  });
});
