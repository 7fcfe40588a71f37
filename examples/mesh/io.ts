/**
 * The mesh example's data around the job, with the plain clients (mysql2, kafkajs,
 * @elastic/elasticsearch): seed the MySQL table and the input Kafka topic with orders, read back
 * what the job wrote to the output topic and the index, and drop it all afterwards. Used by
 * run.ts and by test/integration/mesh/.
 */
import type { Client } from "@elastic/elasticsearch";
import { Kafka, logLevel } from "kafkajs";
import type { Connection } from "mysql2/promise";
import type { EnrichedOrder, OrderEvent, OrderRow } from "./orders.js";

/** The i-th (0-based) row of the seeded table: deterministic, so a test can compute what to expect. */
export function orderRow(i: number): OrderRow {
  return {
    id: i + 1,
    customer: ` Customer${i % 97} `,
    amount_cents: (i * 7_919) % 80_000,
    created_at: new Date(Date.UTC(2026, 0, 1) + i * 1_000),
  };
}

/** The i-th (0-based) message of the seeded topic. */
export function orderEvent(i: number): OrderEvent {
  return {
    orderId: `app-${i}`,
    customer: `APP${i % 89}`,
    amountCents: (i * 104_729) % 90_000,
    ts: Date.UTC(2026, 1, 1) + i * 10,
  };
}

/**
 * Creates `table` (`id` auto-increment key, `customer`, `amount_cents`, `created_at`) and inserts
 * rows `orderRow(0 .. rows-1)`, 1,000 per statement. Drops a table of that name first.
 */
export async function seedMysql(conn: Connection, table: string, rows: number): Promise<void> {
  await conn.query("DROP TABLE IF EXISTS ??", [table]);
  await conn.query(
    "CREATE TABLE ?? (id INT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(64) NOT NULL, amount_cents INT NOT NULL, created_at DATETIME NOT NULL)",
    [table],
  );
  for (let start = 0; start < rows; start += 1_000) {
    const values: unknown[][] = [];
    for (let i = start; i < Math.min(rows, start + 1_000); i++) {
      const r = orderRow(i);
      values.push([r.id, r.customer, r.amount_cents, r.created_at]);
    }
    await conn.query("INSERT INTO ?? (id, customer, amount_cents, created_at) VALUES ?", [table, values]);
  }
}

/** A kafkajs client that logs nothing. */
export function plainKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: "mass-mesh-example", brokers, logLevel: logLevel.NOTHING });
}

/**
 * Creates the input topic (and the output topic when given) with `partitions` partitions each
 * (existing ones are kept) and produces `messages` JSON messages `orderEvent(0 .. messages-1)`
 * to the input topic, keyed by order id, 1,000 per request.
 */
export async function seedKafka(
  brokers: string[],
  topics: { input: string; output?: string },
  messages: number,
  partitions = 3,
): Promise<void> {
  const kafka = plainKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topics.input, topics.output]
        .filter((t): t is string => t !== undefined)
        .map((topic) => ({ topic, numPartitions: partitions })),
    });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = 0; start < messages; start += 1_000) {
      const batch = [];
      for (let i = start; i < Math.min(messages, start + 1_000); i++) {
        const e = orderEvent(i);
        batch.push({ key: e.orderId, value: JSON.stringify(e) });
      }
      await producer.send({ topic: topics.input, messages: batch });
    }
  } finally {
    await producer.disconnect();
  }
}

/** A message of the output topic as read back: its key and its JSON value. */
export interface OutputMessage {
  key: string | null;
  value: EnrichedOrder;
}

/**
 * Reads every message of `topic` up to its current end offsets (a fresh consumer group from the
 * earliest offset) and returns them.
 * @throws Error when the end is not reached within `timeoutMs` (default 60,000 ms).
 */
export async function readTopic(
  brokers: string[],
  topic: string,
  timeoutMs = 60_000,
): Promise<OutputMessage[]> {
  const kafka = plainKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  for (const [p, high] of remaining) if (high === 0n) remaining.delete(p);
  const out: OutputMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({
    groupId: `mass-mesh-check-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`readTopic(${topic}): end offsets not reached within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            out.push({
              key: message.key?.toString() ?? null,
              value: JSON.parse(message.value?.toString() ?? "null") as EnrichedOrder,
            });
            const high = remaining.get(partition);
            if (high !== undefined && BigInt(message.offset) + 1n >= high) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** A document of the index as read back: its `_id` and its `_source`. */
export interface IndexedDocument {
  id: string;
  source: EnrichedOrder;
}

/** Refreshes `index` and reads every document of it (scroll, 1,000 a page). */
export async function readIndex(client: Client, index: string): Promise<IndexedDocument[]> {
  await client.indices.refresh({ index });
  const out: IndexedDocument[] = [];
  let page = await client.search<EnrichedOrder>({ index, scroll: "1m", size: 1_000, sort: ["_doc"] });
  try {
    while (page.hits.hits.length > 0) {
      for (const hit of page.hits.hits)
        out.push({ id: hit._id as string, source: hit._source as EnrichedOrder });
      if (page._scroll_id === undefined) break;
      page = await client.scroll<EnrichedOrder>({ scroll_id: page._scroll_id, scroll: "1m" });
    }
  } finally {
    if (page._scroll_id !== undefined)
      await client.clearScroll({ scroll_id: page._scroll_id }).catch(() => {});
  }
  return out;
}

/** Deletes the topics (missing ones ignored). */
export async function dropTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}
