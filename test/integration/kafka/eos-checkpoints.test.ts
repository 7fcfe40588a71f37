/**
 * Exactly-once Kafka -> window -> Kafka with checkpoints (issue 12, item 4): the sink's
 * transaction commits with each checkpoint (two-phase commit), records after a barrier wait for
 * the next one, a bounded run ends with a final checkpoint, and a restore skips a checkpoint
 * that was stored but whose transaction never committed. Checked with plain kafkajs consumers
 * reading `read_committed` (and `read_uncommitted` to see what is in an open transaction).
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  type KafkaRecord,
  type KafkaSink,
  KafkaTransactions,
  kafkaSink,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import {
  type CheckpointData,
  type CheckpointStore,
  directoryCheckpointStore,
  Env,
  memoryCheckpointStore,
  Sink,
  StateError,
} from "../../../src/index.js";
import type { OperatorContext } from "../../../src/operators/context.js";
import { events, jobTopics, lines, reference, windowJob } from "./eos-checkpoint-kit.js";
import { createTopic, readTopic, testKafka, uniqueTopic } from "./sink-kit.js";
import { KafkaFixture } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The group's committed offsets on `topic`, with their metadata. */
async function committed(
  groupId: string,
  topic: string,
): Promise<{ offset: string; metadata: string | null }[]> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.map((p) => ({ offset: p.offset, metadata: p.metadata }));
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once `cond()` holds (checked every 20 ms), or rejects after `ms`. */
async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A memory store whose next write, once `arm()`ed, waits until `release()`: the checkpoint
 * stays incomplete (its transaction uncommitted) for as long as the test wants.
 */
class GatedStore implements CheckpointStore {
  private readonly inner = memoryCheckpointStore();
  readonly description = "gated memory store";
  private armed = false;
  /** Ids of the writes held now. */
  readonly held: number[] = [];
  private releases: (() => void)[] = [];
  arm(): void {
    this.armed = true;
  }
  release(): void {
    this.held.length = 0;
    for (const r of this.releases.splice(0)) r();
  }
  async write(c: CheckpointData) {
    if (this.armed) {
      this.armed = false;
      this.held.push(c.id);
      await new Promise<void>((r) => this.releases.push(r));
    }
    return this.inner.write(c);
  }
  latest() {
    return this.inner.latest();
  }
  load(l: string) {
    return this.inner.load(l);
  }
  list() {
    return this.inner.list();
  }
  prune(n: number) {
    return this.inner.prune(n);
  }
}

/** Delegates to a KafkaSink, counting records received (produce called) and written (produce resolved). */
class CountingSink extends Sink<{ id: number }> {
  override name = "out";
  received = 0;
  written = 0;
  constructor(private readonly inner: KafkaSink<{ id: number }>) {
    super();
  }
  override open(ctx: OperatorContext) {
    return this.inner.open(ctx);
  }
  async produce(elems: { id: number }[]): Promise<void> {
    this.received += elems.length;
    await this.inner.produce(elems);
    this.written += elems.length;
  }
  override preCommit(id: number) {
    return this.inner.preCommit(id);
  }
  override checkpointComplete(id: number) {
    return this.inner.checkpointComplete(id);
  }
  override checkpointAborted(id: number) {
    return this.inner.checkpointAborted(id);
  }
  override cleanup() {
    return this.inner.cleanup();
  }
}

/** Ids in `topic` as a sorted list (`read_committed` unless told). */
async function readIds(
  topic: string,
  expected: number,
  isolation: "read_committed" | "read_uncommitted" = "read_committed",
): Promise<number[]> {
  const got = await readTopic(brokers, topic, expected, { isolation, settleMs: 1000, timeoutMs: 10_000 });
  return got.map((m) => (JSON.parse(m.value!) as { id: number }).id).sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Runs the windowed job fixture in a child process; resolves with how it ended and what it printed. */
function child(
  args: string[],
): Promise<{ code: number | null; signal: string | null; stored: number[]; report: unknown }> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "test/integration/kafka/fixtures/eos-window-job.ts", brokers.join(","), ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const stored: number[] = [];
  let report: unknown;
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    const m = /^stored (\d+)$/.exec(line);
    if (m !== null) stored.push(Number(m[1]));
    if (line.startsWith("report ")) report = JSON.parse(line.slice(7));
  });
  return new Promise((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal, stored, report })),
  );
}

describe("exactly-once Kafka -> Kafka with checkpoints", () => {
  it("a keyed tumbling-window job, checkpoints every 200 ms, bounded: the committed output equals a plain loop's, once each", async () => {
    const evs = events(20_000);
    const { input, output, groupId } = await jobTopics(brokers, "eosck-a", evs);
    const eos = new KafkaTransactions({ brokers, transactionalId: `${groupId}-tx` });
    const env = new Env({ batchSize: 200, checkpoint: { intervalMs: 200, store: memoryCheckpointStore() } });
    // pacing: a 5 ms pause every 200 records, so the run spans several checkpoint intervals
    windowJob(env, {
      brokers,
      input,
      output,
      groupId,
      eos,
      pace: (i) => (i % 200 === 199 ? new Promise((r) => setTimeout(r, 5)) : undefined),
    });
    const report = await env.run();
    const expected = reference(evs);
    const got = await readTopic(brokers, output, expected.length, { settleMs: 2000 });
    expect(lines(got.map((m) => m.value))).toEqual(expected);
    expect(eos.committed).toBeGreaterThanOrEqual(2);
    expect(eos.aborted).toBe(0);
    expect(report.checkpoints!.completed).toBeGreaterThanOrEqual(2);
    // the last transaction carried the final offsets, tagged with the final checkpoint's id
    expect(await committed(groupId, input)).toEqual([
      { offset: String(evs.length), metadata: `mass-checkpoint:${report.checkpoints!.last!.id}` },
    ]);
  });

  it("end of a bounded input: the final checkpoint commits the last transaction (no periodic checkpoint ran)", async () => {
    const evs = events(3000);
    const { input, output, groupId } = await jobTopics(brokers, "eosck-d", evs);
    const eos = new KafkaTransactions({ brokers, transactionalId: `${groupId}-tx` });
    const env = new Env({ checkpoint: { intervalMs: 600_000, store: memoryCheckpointStore() } });
    windowJob(env, { brokers, input, output, groupId, eos });
    const report = await env.run();
    expect(report.checkpoints).toMatchObject({ completed: 1, failed: 0 });
    expect(eos.committed).toBe(1);
    expect(eos.aborted).toBe(0);
    const expected = reference(evs);
    const got = await readTopic(brokers, output, expected.length, { settleMs: 1500 });
    expect(lines(got.map((m) => m.value))).toEqual(expected);
    expect(await committed(groupId, input)).toEqual([
      { offset: String(evs.length), metadata: "mass-checkpoint:1" },
    ]);
  });
  it("records after a barrier stay out of read_committed (and are held, not even sent) until the next checkpoint completes", async () => {
    const fx = new KafkaFixture(brokers);
    await fx.connect();
    try {
      const input = await fx.topic("eosck-b-in", 2);
      const output = uniqueTopic("eosck-b-out");
      await createTopic(brokers, output, 2);
      const groupId = uniqueTopic("eosck-b");
      const eos = new KafkaTransactions({ brokers, transactionalId: `${groupId}-tx` });
      const store = new GatedStore();
      const sink = new CountingSink(kafkaSink<{ id: number }>({ brokers, topic: output, exactlyOnce: eos }));
      const env = new Env({ checkpoint: { intervalMs: 100, store } });
      env
        .from(
          kafkaSource<{ id: number }>({
            brokers,
            topics: input,
            groupId,
            startFrom: "earliest",
            exactlyOnce: eos,
            maxWaitTimeMs: 100,
          }),
          { name: "in" },
        )
        .map((r: KafkaRecord<{ id: number }>) => ({ id: r.value.id }))
        .to(sink, { name: "out" });
      const run = env.run();
      const send = (from: number, to: number) =>
        fx.produce(
          input,
          range(from, to).map((id) => ({ value: JSON.stringify({ id }), partition: id % 2 })),
        );
      // A: written into transactions
      await send(0, 100);
      await until(() => sink.written >= 100, "A written");
      // the next checkpoint's barrier passes the sink after every record of A: its write is held
      store.arm();
      await until(() => store.held.length === 1, "a checkpoint write held");
      const k = store.held[0]!;
      // B arrives after that barrier: the sink receives it and holds it (not even sent)
      await send(100, 200);
      await until(() => sink.received >= 200, "B received");
      expect(sink.written).toBe(100);
      expect(await readIds(output, 100, "read_uncommitted")).toEqual(range(0, 100));
      const early = await readIds(output, 100);
      expect(early.every((id) => id < 100)).toBe(true);
      // checkpoint k completes (the next one's write is held): A commits, B goes into the next
      // transaction, visible to read_uncommitted only
      store.arm();
      store.release();
      await until(() => sink.written >= 200, "B written");
      await until(() => store.held.length === 1, "the next checkpoint's write held");
      expect(store.held[0]).toBeGreaterThan(k);
      expect(await readIds(output, 100)).toEqual(range(0, 100));
      expect(await readIds(output, 200, "read_uncommitted")).toEqual(range(0, 200));
      // the next checkpoint completes: B commits, every record once
      store.release();
      await until(() => eos.committed >= 2, "the next commit");
      expect(await readIds(output, 200)).toEqual(range(0, 200));
      await env.stop();
      const report = await run;
      expect(report.checkpoints!.failed).toBe(0);
      expect(eos.aborted).toBeLessThanOrEqual(1);
    } finally {
      await fx.close();
    }
  });

  it("two sinks sharing one exactlyOnce each hold after their own barrier: both outputs exact, one transaction per checkpoint", async () => {
    const fx = new KafkaFixture(brokers);
    await fx.connect();
    try {
      const input = await fx.topic("eosck-e-in", 2);
      await fx.produce(
        input,
        range(0, 6000).map((id) => ({ value: JSON.stringify({ id }), partition: id % 2 })),
      );
      const [outA, outB] = [uniqueTopic("eosck-e-a"), uniqueTopic("eosck-e-b")];
      await createTopic(brokers, outA, 2);
      await createTopic(brokers, outB, 2);
      const groupId = uniqueTopic("eosck-e");
      const eos = new KafkaTransactions({ brokers, transactionalId: `${groupId}-tx` });
      const store = memoryCheckpointStore();
      const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 100, store } });
      let i = 0;
      const ids = env
        .from(
          kafkaSource<{ id: number }>({
            brokers,
            topics: input,
            groupId,
            startFrom: "earliest",
            bounded: true,
            exactlyOnce: eos,
            maxWaitTimeMs: 100,
          }),
          { name: "in" },
        )
        // pacing: the run spans several checkpoints
        .map(async (r: KafkaRecord<{ id: number }>) => {
          if (++i % 100 === 0) await new Promise((res) => setTimeout(res, 5));
          return { id: r.value.id };
        });
      ids.to(kafkaSink<{ id: number }>({ brokers, topic: outA, exactlyOnce: eos }), { name: "a" });
      ids
        .filter((r) => r.id % 2 === 0)
        .to(kafkaSink<{ id: number }>({ brokers, topic: outB, exactlyOnce: eos }), { name: "b" });
      const report = await env.run();
      expect(report.checkpoints!.completed).toBeGreaterThanOrEqual(2);
      // one transaction per completed checkpoint (two sinks: still one commit each)
      expect(eos.committed).toBe(report.checkpoints!.completed);
      expect(eos.aborted).toBe(0);
      expect(await readIds(outA, 6000)).toEqual(range(0, 6000));
      expect(await readIds(outB, 3000)).toEqual(range(0, 3000).map((k) => k * 2));
    } finally {
      await fx.close();
    }
  });

  it("a checkpoint stored but killed (kill -9) before its commit is skipped at restore for the one the group committed; the rerun's output is exactly-once", async () => {
    const evs = events(20_000);
    const { input, output, groupId } = await jobTopics(brokers, "eosck-c", evs);
    const dir = await mkdtemp(join(tmpdir(), "mass-eosck-"));
    dirs.push(dir);
    // killed right after storing checkpoint n (windows fired since n - 1), before its commit
    const first = await child([input, output, groupId, dir, "5000"]);
    expect(first.signal).toBe("SIGKILL");
    expect(first.stored).toHaveLength(1);
    const n = first.stored[0]!;
    const store = directoryCheckpointStore(dir);
    const stored = await store.list();
    // (killed before the prune that follows a write: retain + 1 may be there)
    expect(stored.map((c) => c.id).slice(-2)).toEqual([n - 1, n]);
    const position = async (i: number) =>
      ((await store.load(stored[i]!.location)).parts.events!.position as Record<string, number>)[
        `${input}:0`
      ]!;
    const [prev, last] = [await position(stored.length - 2), await position(stored.length - 1)];
    expect(last - prev).toBeGreaterThanOrEqual(400);
    // checkpoint n is in the store, but the group's offsets are checkpoint n - 1's
    expect(await committed(groupId, input)).toEqual([
      { offset: String(prev), metadata: `mass-checkpoint:${n - 1}` },
    ]);

    // with only checkpoint n kept (retain 1 and bad luck), the restore refuses: a StateError that
    // says what the group committed and what to do
    const lonely = await mkdtemp(join(tmpdir(), "mass-eosck-"));
    dirs.push(lonely);
    const older = new Set(stored.slice(0, -1).map((c) => c.location));
    await cp(dir, lonely, { recursive: true, filter: (src) => !older.has(src) });
    const env = new Env({ checkpoint: { intervalMs: 200, store: lonely } });
    windowJob(env, {
      brokers,
      input,
      output,
      groupId,
      eos: new KafkaTransactions({ brokers, transactionalId: `${groupId}-tx2` }),
    });
    const err = await env.run({ restore: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(/no retained checkpoint matches/);
    expect((err as Error).message).toContain(
      `${input}:0=${prev} (checkpoint ${n - 1}), checkpoint has ${last}`,
    );
    expect((err as Error).message).toMatch(/retain >= 2/);

    const second = await child([input, output, groupId, dir, "0"]);
    expect(second.code).toBe(0);
    expect(second.report).toMatchObject({ restoredFrom: stored.at(-2)!.location, failed: 0 });
    expect((second.report as { completed: number }).completed).toBeGreaterThanOrEqual(1);
    const expected = reference(evs);
    const got = await readTopic(brokers, output, expected.length, { settleMs: 2000 });
    expect(lines(got.map((m) => m.value))).toEqual(expected);
    // the killed run's transaction of checkpoint n had window results in it (aborted)
    const raw = await readTopic(brokers, output, expected.length + 1, {
      isolation: "read_uncommitted",
      settleMs: 1000,
      timeoutMs: 10_000,
    });
    expect(raw.length).toBeGreaterThan(expected.length);
  });
});
