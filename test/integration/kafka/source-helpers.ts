import type { Admin, Message, Producer } from "kafkajs";
import { createKafka } from "../../../src/connectors/kafka/client.js";
import type { KafkaRecord, KafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env, Sink } from "../../../src/index.js";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";

let seq = 0;
/** A topic (or group) name unique to this test run. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

/** An admin client and a producer on `brokers`, with helpers the source tests share. */
export class KafkaFixture {
  readonly admin: Admin;
  readonly producer: Producer;
  constructor(readonly brokers: string[]) {
    const kafka = createKafka({ brokers });
    this.admin = kafka.admin();
    this.producer = kafka.producer();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
  }

  /** Creates a topic with `partitions` partitions and returns its name. */
  async topic(prefix: string, partitions: number): Promise<string> {
    const topic = unique(prefix);
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    return topic;
  }

  /** Produces `messages` to `topic` in chunks of 1000. */
  async produce(topic: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 1000) {
      await this.producer.send({ topic, messages: messages.slice(i, i + 1000), acks: -1 });
    }
  }

  /** The group's committed offset per partition (-1: none). */
  async committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const [t] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
  }
}

/** Keeps what it is given; fails a batch that holds a record `failOn` selects (nothing of it is kept). */
export class RecordingSink<T> extends Sink<T> {
  readonly records: T[] = [];
  constructor(
    private readonly failOn: (r: T) => boolean = () => false,
    private readonly delayMs = 0,
  ) {
    super();
  }
  async produce(elems: T[]): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (elems.some(this.failOn)) throw new Error("sink down");
    this.records.push(...elems);
  }
}

/**
 * Runs `source -> sink` with a sink that waits 5 ms per 100-record batch (2 batches per edge)
 * while sampling, every 5 ms, how many records the source holds and whether it paused
 * partitions (backpressure by pausing, not buffering).
 */
export async function drainThroughSlowSink<V>(
  source: KafkaSource<V>,
): Promise<{ records: KafkaRecord<V>[]; maxHeld: number; pausedSeen: boolean }> {
  let maxHeld = 0;
  let pausedSeen = false;
  const timer = setInterval(() => {
    maxHeld = Math.max(maxHeld, source.bufferedRecords);
    pausedSeen ||= source.paused;
  }, 5);
  const sink = new RecordingSink<KafkaRecord<V>>(() => false, 5);
  const env = new Env({ batchSize: 100, highWaterMark: 2 });
  try {
    env.from(source).to(sink);
    await env.run();
  } finally {
    clearInterval(timer);
  }
  return { records: sink.records, maxHeld, pausedSeen };
}
