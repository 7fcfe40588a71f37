/**
 * Runs the Kafka windows example end to end against the project's own broker:
 * starts Kafka (scripts/services/kafka.ts; port `MASS_TEST_KAFKA_PORT`, default 9092), seeds a
 * topic with JSON click events, runs the job (examples/kafka-windows/job.ts), prints the
 * windows it wrote to the output topic, and stops the broker.
 *
 *   npm run example:kafka            (or: node --import tsx examples/kafka-windows/main.ts [--events N])
 *   --brokers host:port              use a running broker instead (neither started nor stopped)
 */
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { startKafka } from "../../scripts/services/kafka.js";
import { Env } from "../../src/index.js";
import { buildJob, type Click, type UserWindow } from "./job.js";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
const { values } = parseArgs({
  options: { events: { type: "string", default: "20000" }, brokers: { type: "string" } },
});
const events = Number(values.events);

const service =
  values.brokers === undefined
    ? await startKafka({ log: (m) => process.stderr.write(`kafka: ${m}\n`) })
    : undefined;
const brokers = values.brokers?.split(",") ?? service!.brokers;
const kafka = new Kafka({ brokers, clientId: "example", logLevel: logLevel.NOTHING });
const run = Date.now().toString(36);
const input = `clicks-${run}`;
const output = `user-windows-${run}`;

try {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      // one input partition: windows take each record's time from withTimestamps, whose
      // watermark is the maximum seen over the stream; a backlog of several partitions is read
      // partition after partition, so a later partition's events would come late and be dropped
      // (the source's own per-partition watermark does not stamp records yet)
      { topic: input, numPartitions: 1 },
      { topic: output, numPartitions: 4 },
    ],
  });
  await admin.disconnect();

  // events of 5 users over one minute of event time, slightly out of order
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const clicks: Click[] = Array.from({ length: events }, (_, i) => ({
    user: `user-${i % 5}`,
    amount: (i * 7919) % 100,
    ts: t0 + Math.floor((i / events) * 60_000) - (i % 3) * 500,
  }));
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < clicks.length; i += 2000) {
    await producer.send({
      topic: input,
      messages: clicks.slice(i, i + 2000).map((c) => ({ key: c.user, value: JSON.stringify(c) })),
    });
  }
  await producer.disconnect();
  console.log(`seeded ${clicks.length} click events on ${input}`);

  const env = new Env({ name: "kafka-windows" });
  buildJob(env, brokers, input, output, `kafka-windows-${run}`);
  const report = await env.run();
  console.log(
    `job: ${report.recordsIn} events in, windows written to ${output} in ${report.durationMs.toFixed(0)} ms`,
  );

  // read the results back with a plain consumer
  const windows: UserWindow[] = [];
  const consumer = kafka.consumer({ groupId: `reader-${run}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  const expected = 5 * 7; // 5 users; the minute plus the early records spans 7 windows of 10 s
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 15_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        windows.push(JSON.parse(message.value!.toString()) as UserWindow);
        if (windows.length >= expected) {
          clearTimeout(timer);
          setTimeout(resolve, 500);
        }
      },
    });
  });
  await consumer.disconnect();
  windows.sort((a, b) => a.user.localeCompare(b.user) || a.windowStart.localeCompare(b.windowStart));
  console.table(
    windows.map((w) => ({
      ...w,
      windowStart: w.windowStart.slice(11, 19),
      windowEnd: w.windowEnd.slice(11, 19),
    })),
  );
  const clicksOut = windows.reduce((s, w) => s + w.clicks, 0);
  console.log(`${windows.length} windows, ${clicksOut} of ${clicks.length} events counted`);
  if (clicksOut !== clicks.length) process.exitCode = 1;
} finally {
  await service?.stop();
}
