import { describe, expect, inject, it } from "vitest";
import { createKafka } from "../../../src/connectors/kafka/client.js";
import { KafkaError, kafkaError } from "../../../src/connectors/kafka/errors.js";

describe("the project's Kafka broker (scripts/services/kafka.ts)", () => {
  const brokers = inject("kafkaBrokers");

  it("answers a client: a created topic is listed with its partitions", async () => {
    const admin = createKafka({ brokers }).admin();
    await admin.connect();
    try {
      const topic = `service-${Date.now()}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    } finally {
      await admin.disconnect();
    }
  });

  it("a broker that is not there gives a retriable KafkaError naming the brokers", async () => {
    const down = ["127.0.0.1:1"];
    const admin = createKafka({ brokers: down, connectionTimeoutMs: 500, retry: { retries: 0 } }).admin();
    const err = await admin.connect().then(
      () => undefined,
      (e: unknown) => kafkaError(e, "connecting the admin client", { brokers: down }),
    );
    await admin.disconnect().catch(() => {});
    expect(err).toBeInstanceOf(KafkaError);
    expect(err?.retriable).toBe(true);
    expect(err?.message).toContain("127.0.0.1:1");
    expect(err?.connector).toBe("kafka");
  });
});
