/**
 * A bounded exactly-once job whose process exits as soon as the awaited pipeline resolved (a
 * command-line job, the Kafka benchmark): the committed output must already hold every input.
 * Regression: the source committed its last transaction in `cleanup()`, which the runtime runs
 * after the sink settled, so `await stream.to(sink)` resolved first and a `process.exit()` right
 * after it left the last transaction open (the broker aborted it later): the 1,000,000-record
 * benchmark ended with ~4 % of the input missing from the `read_committed` output.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTopic, groupOffsets, readTopic, testKafka, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");
const N = 50_000;

/** Produces `{ id }` messages 0..n-1 with kcat from a file (librdkafka's large batches, as the benchmark). */
function seedWithKcat(topic: string, n: number): void {
  const file = join(tmpdir(), `${topic}.txt`);
  const fd = openSync(file, "w");
  const pad = "x".repeat(150);
  try {
    let buf = "";
    for (let i = 0; i < n; i++) buf += `k${i % 97}\t{"id":${i},"pad":"${pad}"}\n`;
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
  try {
    const r = spawnSync("kcat", ["-P", "-b", brokers.join(","), "-t", topic, "-K", "\t", "-l", file], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
  } finally {
    rmSync(file, { force: true });
  }
}

describe("exactly-once, bounded, process exits when the pipeline resolved", () => {
  it("the read_committed output holds every kcat-produced input exactly once, the group's offsets at the ends", async () => {
    const input = uniqueTopic("eos-exit-in");
    const output = uniqueTopic("eos-exit-out");
    const group = uniqueTopic("eos-exit");
    await createTopic(brokers, input, 4);
    await createTopic(brokers, output, 4);
    seedWithKcat(input, N);
    const admin = testKafka(brokers).admin();
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(input)).map((p) => [p.partition, p.high]));
    await admin.disconnect();
    expect([...ends.values()].reduce((s, v) => s + Number(v), 0)).toBe(N);

    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/integration/kafka/fixtures/eos-bounded-exit-job.ts",
        brokers.join(","),
        input,
        output,
        group,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stdout).toContain(`written ${N}`);

    // a transaction the dead process left open would hold read_committed readers back until the
    // broker times it out: take its transactional id, as a restart of the job does (that aborts
    // an open transaction at once), then read what is committed
    const fence = testKafka(brokers).producer({
      transactionalId: `${group}-tx`,
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await fence.connect();
    const t = await fence.transaction();
    await t.abort();
    await fence.disconnect();

    const got = await readTopic(brokers, output, N, { settleMs: 1000, timeoutMs: 30_000 });
    const ids = got.map((m) => (JSON.parse(m.value!) as { id: number; doubled: number }).id);
    const distinct = new Set(ids);
    expect(distinct.size, `distinct ids in the committed output, of ${N}`).toBe(N);
    expect(ids).toHaveLength(N);
    for (const m of got) {
      const r = JSON.parse(m.value!) as { id: number; doubled: number };
      expect(r.doubled).toBe(r.id * 2);
    }
    const offsets = await groupOffsets(brokers, group, input);
    for (const [partition, end] of ends) expect(offsets.get(partition), `partition ${partition}`).toBe(end);
  });
});
