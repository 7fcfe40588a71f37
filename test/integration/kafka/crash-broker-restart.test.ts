/**
 * The broker stopped and started again under a running Kafka -> Kafka job (issue 9, item 5):
 * the job rides out the outage (kafkajs' retries, the sink's own bounded retry, the source's
 * consumer restarts) and nothing is lost. This file takes over the broker of the run (same port
 * and cache: scripts/services/kafka.ts restarts it from empty storage) to be able to restart it.
 */
import { describe, expect, inject, it } from "vitest";
import { startKafka } from "../../../scripts/services/kafka.js";
import { counts, idsOf, RECORDS, seed, startJob } from "./crash-kit.js";
import { createTopic, readTopic, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");

describe("Kafka -> Kafka, the broker restarted under a running job", () => {
  it("the job resumes after the outage and nothing is lost", async () => {
    const broker = await startKafka({
      port: inject("kafkaPort"),
      watchdog: false, // the run's setup (or whoever started it) stops this broker
      log: (m) => process.stderr.write(`kafka: ${m}\n`),
    });
    const input = await seed(brokers, "bounce-in");
    const output = uniqueTopic("bounce-out");
    await createTopic(brokers, output, 4);
    const group = uniqueTopic("bounce");
    const job = startJob(brokers, { input, output, group, mode: "alo" });
    await job.reached(20_000);
    const restarting = broker.restart();
    const atOutage = job.written();
    await restarting;
    expect(atOutage).toBeLessThan(RECORDS); // the broker went down under the running job
    const result = await job.exit;
    expect(result.code).toBe(0);
    const got = await readTopic(brokers, output, RECORDS, { settleMs: 2000 });
    const c = counts(idsOf(got));
    expect(c.missing).toBe(0);
    process.stderr.write(`broker restart: the job wrote ${result.written}, ${c.duplicates} duplicates\n`);
  });
});
