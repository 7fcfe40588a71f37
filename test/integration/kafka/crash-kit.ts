/**
 * Helpers of the Kafka crash tests: seeding 100,000 input records, running the Kafka -> Kafka
 * job fixture in a child process, counting what reached the output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { expect } from "vitest";
import { createTopic, testKafka, uniqueTopic } from "./sink-kit.js";

/** Input records of a crash test. */
export const RECORDS = 100_000;

/** Produces RECORDS messages `{ id }` with key `k<id % 50>` to a new 4-partition topic. */
export async function seed(brokers: string[], prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic(brokers, topic, 4);
  const producer = testKafka(brokers).producer();
  await producer.connect();
  try {
    for (let i = 0; i < RECORDS; i += 5000) {
      const messages = Array.from({ length: Math.min(5000, RECORDS - i) }, (_, j) => ({
        key: `k${(i + j) % 50}`,
        value: JSON.stringify({ id: i + j }),
      }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
  return topic;
}

export interface JobRun {
  child: ChildProcess;
  /** Resolves when the job exits. */
  exit: Promise<{ code: number | null; signal: string | null; written: number }>;
  /** Resolves once the job reported at least `n` records written. */
  reached(n: number): Promise<void>;
  /** Records the job reported written so far. */
  written(): number;
}

/** Starts the Kafka -> Kafka job fixture in a child process. `killAt`: SIGKILL it once it wrote that many. */
export function startJob(
  brokers: string[],
  args: { input: string; output: string; group: string; mode: "alo" | "eos"; killAt?: number },
): JobRun {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/integration/kafka/fixtures/kafka-to-kafka-job.ts",
      brokers.join(","),
      args.input,
      args.output,
      args.group,
      args.mode,
      "bounded",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let written = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const m = /^written (\d+)$/.exec(line);
    if (m === null) return;
    written = Number(m[1]);
    if (args.killAt !== undefined && written >= args.killAt) child.kill("SIGKILL");
    for (const w of waiters.splice(0)) {
      if (written >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  const exit = new Promise<{ code: number | null; signal: string | null; written: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, written })),
  );
  return {
    child,
    exit,
    written: () => written,
    reached: (n) => new Promise<void>((resolve) => (written >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

/** Output ids (and key check): the map doubled each id and kept the input key. */
export function idsOf(messages: { key: string | null; value: string | null }[]): number[] {
  return messages.map((m) => {
    const r = JSON.parse(m.value!) as { id: number; doubled: number };
    expect(r.doubled).toBe(r.id * 2);
    expect(m.key).toBe(`k${r.id % 50}`);
    return r.id;
  });
}

export function counts(ids: number[]): { distinct: number; duplicates: number; missing: number } {
  const seen = new Uint8Array(RECORDS);
  let duplicates = 0;
  for (const id of ids) {
    if (seen[id] === 1) duplicates++;
    seen[id] = 1;
  }
  const distinct = seen.reduce((s, v) => s + v, 0);
  return { distinct, duplicates, missing: RECORDS - distinct };
}
