/**
 * Kafka source against a bare kafkajs consumer, on the project's broker
 * (`node --import tsx scripts/services/kafka.ts start`; MASS_TEST_KAFKA_PORT, default 9092).
 *
 *   node --expose-gc --import tsx bench/kafka-source.ts <bare|mass> [messages]
 *
 * Both read N messages of ~200 bytes (JSON `{ i, pad }`) from a 4-partition topic with a new
 * consumer group, decode each value with JSON.parse and sum `i` (the checksum):
 * - bare: kafkajs `eachBatch` (auto-commit on, kafkajs' defaults) until N messages;
 * - mass: `kafkaSource({ bounded: true })` -> map -> a summing sink, offsets committed through
 *   acknowledgements.
 * The topic is filled once (set-up, not timed) and reused by later runs.
 */
import { createKafka } from "../src/connectors/kafka/client.js";
import { kafkaSource } from "../src/connectors/kafka/index.js";
import { Env, Sink } from "../src/index.js";
import { args, measure } from "./lib.js";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
const { impl, size } = args(1_000_000);
const brokers = [`127.0.0.1:${process.env.MASS_TEST_KAFKA_PORT ?? 9092}`];
const topic = `mass-bench-source-${size}`;
const pad = "x".repeat(180);
const group = `bench-${impl}-${Date.now()}`;

async function fill(): Promise<void> {
  const kafka = createKafka({ brokers });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    }
    const have = (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
    if (have >= size) return;
    const producer = kafka.producer();
    await producer.connect();
    for (let i = have; i < size; i += 5000) {
      const n = Math.min(5000, size - i);
      await producer.send({
        topic,
        messages: Array.from({ length: n }, (_, k) => ({
          value: JSON.stringify({ i: i + k, pad }),
          partition: (i + k) % 4,
        })),
      });
    }
    await producer.disconnect();
  } finally {
    await admin.disconnect();
  }
}

class SumSink extends Sink<number> {
  count = 0;
  sum = 0;
  produce(elems: number[]): void {
    this.count += elems.length;
    for (let k = 0; k < elems.length; k++) this.sum += elems[k];
  }
}

async function bare(): Promise<string> {
  const consumer = createKafka({ brokers }).consumer({ groupId: group, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let sum = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            sum += (JSON.parse(m.value!.toString("utf8")) as { i: number }).i;
            count++;
          }
          if (count >= size) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return `${count}:${sum}`;
}

async function mass(): Promise<string> {
  const sink = new SumSink();
  const env = new Env();
  env
    .from(
      kafkaSource<{ i: number }>({
        brokers,
        groupId: group,
        topics: topic,
        bounded: true,
      }),
    )
    .map((r) => r.value.i)
    .to(sink);
  await env.run();
  return `${sink.count}:${sink.sum}`;
}

await fill();
await measure("kafka-source", impl, size, impl === "bare" ? bare : mass);
