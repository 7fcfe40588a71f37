import { expect, it } from "vitest";
import { count, Env, memoryCheckpointStore, RunError, sum, tumbling } from "../../../src/index.js";
import { isSnapshottable } from "../../../src/runtime/checkpoint/snapshot-types.js";
import { TimestampNode } from "../../../src/runtime/timestamp-node.js";
import { WindowNode } from "../../../src/runtime/window-node.js";
import { CommittingSink, type Ev, PositionedSource } from "./fixtures.js";

// The window and watermark nodes snapshot with the checkpoint-state work (branch
// checkpoint-state); until it is merged these tests cannot pass and are skipped, the
// Calculator-based end-to-end tests in restore.test.ts covering the same path meanwhile.
const nodesSnapshot =
  isSnapshottable(WindowNode.prototype as object) && isSnapshottable(TimestampNode.prototype as object);

type Out = { key: string; window: { start: number; end: number }; s: number; n: number };

/** 6000 events over 7 keys, slightly out of order, 1-minute event-time windows. */
const events: Ev[] = Array.from({ length: 6000 }, (_, i) => ({
  k: `k${(i * 5) % 7}`,
  t: i * 1000 - (i % 4) * 700,
  v: i % 11,
}));

function job(env: Env, out: Out[], failAfter = Number.POSITIVE_INFINITY) {
  const src = new PositionedSource(events, 40);
  const sink = new CommittingSink<Out>(out);
  sink.failAfter = failAfter;
  env
    .from(src, { name: "src" })
    .withTimestamps((e) => e.t, { maxOutOfOrderness: 3000 })
    .keyBy((e) => e.k)
    .window(tumbling(60_000))
    .agg({ s: sum((e: Ev) => e.v), n: count() })
    .to(sink as never, { name: "out" });
  return src;
}

it.skipIf(!nodesSnapshot)(
  "a windowed job crashed mid-way and restored from its last checkpoint emits exactly the windows of an uninterrupted run",
  async () => {
    const expected: Out[] = [];
    const e0 = new Env({ batchSize: 40 });
    job(e0, expected);
    await e0.run();
    expect(expected.length).toBeGreaterThan(500);

    const store = memoryCheckpointStore();
    const out: Out[] = [];
    for (const failAfter of [150, 420]) {
      const env = new Env({ batchSize: 40, checkpoint: { intervalMs: 1, store, retain: 2 } });
      const src = job(env, out, failAfter);
      src.gate = (pos) => (pos % 400 === 0 ? new Promise((r) => setTimeout(r, 2)) : undefined);
      const err = await env.run({ restore: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunError);
    }
    const env = new Env({ batchSize: 40, checkpoint: { intervalMs: 1, store } });
    const src = job(env, out);
    const report = await env.run({ restore: true });
    expect(src.restoredFrom).toBeGreaterThan(0);
    expect(report.checkpoints?.restoredFrom).toBeDefined();
    expect(out).toEqual(expected);
  },
);

it.skipIf(!nodesSnapshot)(
  "stop with a savepoint keeps the open windows; the restored run completes them",
  async () => {
    const expected: Out[] = [];
    const e0 = new Env({ batchSize: 40 });
    job(e0, expected);
    await e0.run();
    const store = memoryCheckpointStore();
    const out: Out[] = [];
    const env = new Env({ batchSize: 40, checkpoint: { intervalMs: 0, store } });
    const src = job(env, out);
    let stopping: Promise<unknown> | null = null;
    src.gate = (pos) => {
      if (pos >= 3000 && stopping === null) stopping = env.stop({ savepoint: true });
      return undefined;
    };
    const r1 = await env.run();
    await stopping;
    expect(r1.status).toBe("stopped");
    expect(out.length).toBeLessThan(expected.length);
    const env2 = new Env({ batchSize: 40, checkpoint: { intervalMs: 0, store } });
    job(env2, out);
    await env2.run({ restore: { from: r1.checkpoints!.savepoint! } });
    expect(out).toEqual(expected);
  },
);
