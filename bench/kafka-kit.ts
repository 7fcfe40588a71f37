/**
 * What the Kafka benches share (bench/kafka.ts, bench/kafka-memory.ts): the event of ~200 bytes,
 * the map step, the input file kcat produces from, and the topics.
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Batch, type Consumer, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";

/** Records per Mass batch, and messages per produce request of the bare kafkajs loops. */
export const BATCH = 1024;

/** A bench input event: ~200 bytes of JSON. */
export interface Event {
  id: number;
  user: string;
  amount: number;
  ts: number;
  note: string;
}

/** The map step every implementation applies. */
export const mapEvent = (e: Event) => ({ ...e, amount: e.amount * 2, mapped: true });

/** A kafkajs client that logs nothing. */
export function client(brokers: string[], clientId = "bench"): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
}

/**
 * Writes `n` keyed events (`key\tjson` lines, for `kcat -P -K '\t' -l`) to a file named after
 * `tag` in the OS temp dir; returns its path (the caller removes it).
 */
export function inputFile(n: number, tag: string): string {
  const file = join(tmpdir(), `mass-bench-${tag}.txt`);
  const fd = openSync(file, "w");
  const pad = "x".repeat(120);
  let buf = "";
  for (let i = 0; i < n; i++) {
    const e: Event = {
      id: i,
      user: `user-${i % 1000}`,
      amount: i % 997,
      ts: 1_700_000_000_000 + i,
      note: pad,
    };
    buf += `${e.user}\t${JSON.stringify(e)}\n`;
    if (buf.length > 1 << 20) {
      writeFileSync(fd, buf);
      buf = "";
    }
  }
  writeFileSync(fd, buf);
  closeSync(fd);
  return file;
}

/** Creates 4-partition topics and waits for their leaders. */
export async function createTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 4 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The bare kafkajs loop's clients, connected: an idempotent producer (one request in flight,
 * the default partitioner) and a consumer of `group` (fetches wait at most 500 ms).
 */
export async function bareClients(
  brokers: string[],
  group: string,
): Promise<{ producer: Producer; consumer: Consumer }> {
  const kafka = client(brokers);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500 });
  await producer.connect();
  await consumer.connect();
  return { producer, consumer };
}

/**
 * The bare kafkajs loop's step, for one fetched batch: per `BATCH` messages, parse, map,
 * serialize, `sendBatch` (acks -1), then commit the offset after the chunk (at-least-once, as
 * Mass); `afterChunk(records)` runs after each commit.
 */
export async function forwardBatch(
  producer: Producer,
  consumer: Consumer,
  output: string,
  batch: Batch,
  afterChunk: (records: number) => void | Promise<void>,
): Promise<void> {
  const msgs = batch.messages;
  for (let i = 0; i < msgs.length; i += BATCH) {
    const chunk = msgs.slice(i, i + BATCH);
    const out = chunk.map((m) => ({
      key: m.key,
      value: JSON.stringify(mapEvent(JSON.parse(m.value!.toString()) as Event)),
    }));
    await producer.sendBatch({ topicMessages: [{ topic: output, messages: out }], acks: -1 });
    const last = chunk[chunk.length - 1]!;
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) },
    ]);
    await afterChunk(chunk.length);
  }
}
