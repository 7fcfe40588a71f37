/**
 * A Mass job in a child process for the Kafka source's failure tests: reads a topic with a
 * consumer group and appends `partition:offset:i` lines to a JSON Lines file (each batch written
 * before it is acknowledged, so before its offsets are committed), slowly.
 *
 *   node --import tsx test/integration/kafka/source-child.ts <brokers> <topic> <groupId> <out.jsonl> <delayMs>
 */

import { jsonLinesSink } from "../../../src/connectors/file/index.js";
import { kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";

const [brokers, topic, groupId, out, delay] = process.argv.slice(2);
const delayMs = Number(delay);
const env = new Env({ batchSize: 100, highWaterMark: 1 });
env
  .from(
    kafkaSource<{ i: number }>({
      brokers: brokers.split(","),
      topics: topic,
      groupId,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      maxBufferedRecords: 200,
    }),
  )
  .mapAsync(
    async (r) => {
      if (delayMs > 0) await new Promise((res) => setTimeout(res, delayMs / 100));
      return { p: r.partition, o: Number(r.offset), i: r.value.i };
    },
    { concurrency: 1 },
  )
  .to(jsonLinesSink(out, { append: true }));
await env.run();
