/**
 * Helpers of the Kafka sink and exactly-once tests: unique topics, and a plain kafkajs
 * consumer that reads a topic from the beginning (the independent check of what Mass wrote).
 */
import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** A kafkajs client that logs nothing. */
export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: "mass-test", logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Creates `topic` with `partitions` partitions and optional topic configs. */
export async function createTopic(
  brokers: string[],
  topic: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    // wait until every partition has a leader (kafkajs' waitForLeaders trips on a loaded broker)
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then(
          (m) =>
            m.topics[0]?.partitions.length === partitions &&
            m.topics[0].partitions.every((p) => p.leader >= 0),
        )
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions without a leader after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/** One message as read back. */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads `topics` from the beginning with a fresh group until `expected` messages arrived, then
 * for `settleMs` more (to see any extra message: duplicates), or until `timeoutMs` passed.
 * `isolation` `"read_committed"` (default) sees only committed transactional messages.
 */
export async function readTopic(
  brokers: string[],
  topics: string | string[],
  expected: number,
  opts: { isolation?: "read_committed" | "read_uncommitted"; settleMs?: number; timeoutMs?: number } = {},
): Promise<ReadMessage[]> {
  const consumer = testKafka(brokers).consumer({
    groupId: uniqueTopic("reader"),
    readUncommitted: opts.isolation === "read_uncommitted",
    maxWaitTimeInMs: 200,
  });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    for (const topic of Array.isArray(topics) ? topics : [topics]) {
      await consumer.subscribe({ topic, fromBeginning: true });
    }
    let reached: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      reached = resolve;
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          out.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString(),
            value: m.value === null ? null : m.value.toString(),
            headers,
          });
        }
        if (out.length >= expected) reached();
      },
    });
    if (expected === 0) reached();
    await Promise.race([done, new Promise((r) => setTimeout(r, opts.timeoutMs ?? 60_000))]);
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 1000));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** The committed offset per partition of `groupId` on `topic` (`-1` for none). */
export async function groupOffsets(
  brokers: string[],
  groupId: string,
  topic: string,
): Promise<Map<number, string>> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(t.partitions.map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}
