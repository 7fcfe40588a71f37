/**
 * Failure tests against the real broker (issue 9, item 5): a Kafka -> Kafka job in a child
 * process is killed with SIGKILL in the middle of 100,000 records and restarted; the broker is
 * restarted under a running job. What reaches the output topic is checked with a plain kafkajs
 * consumer: nothing lost (at-least-once), every input exactly once (exactly-once, read_committed).
 */
import { describe, expect, inject, it } from "vitest";
import { counts, idsOf, RECORDS, seed, startJob } from "./crash-kit.js";
import { createTopic, readTopic, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");
describe("Kafka -> Kafka, kill -9 of the job in the middle, restart", () => {
  it("at-least-once: after the restart nothing is lost; duplicates only from the records after the last commit", async () => {
    const input = await seed(brokers, "crash-alo-in");
    const output = uniqueTopic("crash-alo-out");
    await createTopic(brokers, output, 4);
    const group = uniqueTopic("crash-alo");
    const first = await startJob(brokers, { input, output, group, mode: "alo", killAt: 30_000 }).exit;
    expect(first.signal).toBe("SIGKILL");
    expect(first.written).toBeLessThan(RECORDS);
    const second = await startJob(brokers, { input, output, group, mode: "alo" }).exit;
    expect(second.code).toBe(0);
    const got = await readTopic(brokers, output, RECORDS + second.written, { settleMs: 2000 });
    const c = counts(idsOf(got));
    expect(c.missing).toBe(0);
    // the restart re-read only what the first run had not committed
    expect(second.written).toBeLessThan(RECORDS);
    expect(c.duplicates).toBe(first.written + second.written - RECORDS);
    process.stderr.write(
      `at-least-once crash: first run wrote ${first.written}, restart wrote ${second.written}, ${c.duplicates} duplicates\n`,
    );
  });

  it("exactly-once: the committed output holds every input exactly once", async () => {
    const input = await seed(brokers, "crash-eos-in");
    const output = uniqueTopic("crash-eos-out");
    await createTopic(brokers, output, 4);
    const group = uniqueTopic("crash-eos");
    const first = await startJob(brokers, { input, output, group, mode: "eos", killAt: 30_000 }).exit;
    expect(first.signal).toBe("SIGKILL");
    const second = await startJob(brokers, { input, output, group, mode: "eos" }).exit;
    expect(second.code).toBe(0);
    const got = await readTopic(brokers, output, RECORDS, { settleMs: 3000 });
    const c = counts(idsOf(got));
    expect(c).toEqual({ distinct: RECORDS, duplicates: 0, missing: 0 });
    // the killed run's open transaction was written, then aborted: read_uncommitted sees more
    const raw = await readTopic(brokers, output, first.written + second.written, {
      isolation: "read_uncommitted",
      settleMs: 2000,
    });
    process.stderr.write(
      `exactly-once crash: first run wrote ${first.written}, restart ${second.written}; committed ${got.length}, raw ${raw.length}\n`,
    );
    expect(raw.length).toBeGreaterThanOrEqual(RECORDS);
  });
});
