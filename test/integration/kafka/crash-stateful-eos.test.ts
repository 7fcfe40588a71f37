/**
 * kill -9 of stateful exactly-once Kafka -> Kafka jobs (issue 12, item 5): a bounded job with
 * event-time state (1-minute tumbling windows, 30 s session windows, an interval join), with
 * checkpoints every 300 ms into a directory store and a transactional sink, runs in a child
 * process (fixtures/stateful-eos-job.ts) that is killed with SIGKILL at seeded random points
 * (each once results of the run were committed and 8-18 % of the input was read in it, plus a
 * random delay or a number of results written) 3 times, and restarted with `restore: true`
 * until it exits 0. A plain kafkajs `read_committed` consumer then reads the output topic: the
 * multiset of results must equal a plain-loop reference over the same input: every window (join
 * pair) exactly once with the right values, no duplicate, no gap.
 *
 * Sizes: the tumbling job reads 200,000 events (as the issue asks); the session job 100,000
 * events and the join job 40,000 orders with 0-2 payments each (80,000 records in all), so that
 * the whole file runs in a few minutes on a loaded 2-core machine.
 *
 * Determinism: event time comes from the Kafka source's per-partition watermarks with a 10 s
 * bound, above the < 4 s disorder the data has within a partition, and partitions never go
 * idle: no record can be late whatever the interleaving of partitions and the kill points
 * (checked: the children report 0 late records). What is asserted does not depend on timing.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { JobArgs, JoinResult, WindowResult } from "./fixtures/stateful-eos-job.js";
import { createTopic, groupOffsets, readTopic, uniqueTopic } from "./sink-kit.js";
import {
  type ChildReport,
  type ChildRun,
  diffMultisets,
  joinEvents,
  joinLine,
  type Message,
  PARTITIONS,
  type Progress,
  produce,
  referenceJoin,
  referenceSessions,
  referenceTumbling,
  rng,
  sessionEvents,
  startChild,
  tumblingEvents,
  windowLine,
} from "./stateful-eos-kit.js";

const brokers = inject("kafkaBrokers");
/** Kills per variant (each at a different, seeded point). */
const KILLS = 3;
/** Restarts after the last kill before giving up (a run may fail on its own, e.g. fenced: it is restarted). */
const MAX_FINAL_RUNS = 5;

const dirs: string[] = [];
/** Every child started: one still running when the file ends (a failed or timed-out test) is killed. */
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** {@link startChild}, remembering the child for the cleanup. */
function start(args: JobArgs): ChildRun {
  const run = startChild(args);
  children.push(run.child);
  return run;
}

/** A variant: its inputs, the reference result lines, how to turn an output value into a line. */
interface Variant {
  name: JobArgs["variant"];
  inputs: { topic: string; messages: Message<unknown>[] }[];
  expected: string[];
  line: (value: string) => string;
  /** Records/s the child may read (fixtures/stateful-eos-job.ts, `Pace`). */
  rate: number;
  /** Kill triggers draw [20, 20 + maxOut) results written in the run. */
  maxOut: number;
  seed: number;
}

interface KillRecord {
  trigger: string;
  at: Progress;
  signal: string | null;
}

/** Runs `v` with KILLS kills and restarts until a clean exit; checks the committed output against the reference. */
async function crashAndCompare(v: Variant): Promise<void> {
  const t0 = performance.now();
  const r = rng(v.seed);
  for (const input of v.inputs) {
    await createTopic(brokers, input.topic, PARTITIONS);
    await produce(brokers, input.topic, input.messages);
  }
  const totalIn = v.inputs.reduce((s, i) => s + i.messages.length, 0);
  const output = uniqueTopic(`eos-${v.name}-out`);
  await createTopic(brokers, output, PARTITIONS);
  const dir = await mkdtemp(join(tmpdir(), `mass-eos-${v.name}-`));
  dirs.push(dir);
  const group = uniqueTopic(`eos-${v.name}`);
  const args: JobArgs = {
    brokers,
    variant: v.name,
    inputs: v.inputs.map((i) => i.topic),
    output,
    groupId: group,
    transactionalId: `${group}-tx`,
    dir,
    intervalMs: 300,
    rate: v.rate,
  };

  const kills: KillRecord[] = [];
  const restored: (string | null)[] = [];
  /** After each kill: input records before the group's committed offsets (what a restore resumes from). */
  const positions: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const run = start(args);
    let trigger: string;
    let pred: (p: Progress) => boolean;
    let delayMs = 0;
    // every kill after this run's results reached a committed transaction (3 checkpoints
    // completed after its first result: the sink holds records after a barrier until that
    // checkpoint's transaction committed, so with records flowing the next barrier passes only
    // after it) and after 8-18 % of the input was read in it: so each restart resumes from a
    // later committed point of the input
    const records = Math.floor(totalIn * (0.08 + r() * 0.1));
    let cpAtFirstOut: number | undefined;
    const committedSome = (p: Progress) => {
      if (cpAtFirstOut === undefined && p.out > 0) cpAtFirstOut = p.cp;
      return cpAtFirstOut !== undefined && p.cp >= cpAtFirstOut + 3 && p.in >= records;
    };
    if (k % 2 === 0) {
      // plus up to 300 ms: anywhere in the checkpoint cycle (between barriers, while a
      // checkpoint is written, while its transaction commits)
      delayMs = Math.floor(r() * 300);
      trigger = `results committed, ${records} read + ${delayMs} ms`;
      pred = committedSome;
    } else {
      // as soon as some more results went into the open transaction
      const out = 20 + Math.floor(r() * v.maxOut);
      trigger = `results committed, ${records} read, ${out} results written`;
      pred = (p) => committedSome(p) && p.out >= out;
    }
    const reached = await run.until(pred);
    if (reached !== undefined) {
      if (delayMs > 0) await new Promise((res) => setTimeout(res, delayMs));
      run.child.kill("SIGKILL");
    }
    const e = await run.exit;
    restored.push(e.progress.restoredFrom);
    kills.push({ trigger, at: e.progress, signal: e.signal });
    // the kill really happened mid-run: the child did not get to the end on its own
    expect(e.signal, `run ${k + 1} (${trigger}) ended by itself: ${JSON.stringify(e)}`).toBe("SIGKILL");
    expect(e.progress.late).toBe(0);
    positions.push(await committedPosition(group, args.inputs));
  }

  // output committed before the last kill: a read_committed reader sees some of it already
  const before = await readTopic(brokers, output, 1, { settleMs: 1500, timeoutMs: 20_000 });

  let final: { code: number | null; report?: ChildReport; progress: Progress } | undefined;
  let finalRuns = 0;
  while (finalRuns < MAX_FINAL_RUNS) {
    finalRuns++;
    const e = await start(args).exit;
    restored.push(e.progress.restoredFrom);
    if (e.code === 0) {
      final = e;
      break;
    }
  }
  expect(final?.code, `no clean exit in ${MAX_FINAL_RUNS} runs after the kills`).toBe(0);
  const report = final!.report!;
  expect(report.status).toBe("finished");
  expect(report.lateDropped).toBe(0);

  const got = await readTopic(brokers, output, v.expected.length, { settleMs: 3000, timeoutMs: 120_000 });
  const diff = diffMultisets(
    v.expected,
    got.map((m) => v.line(m.value!)),
  );
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  process.stderr.write(
    `[eos-crash ${v.name}] ${totalIn} input records, ${v.expected.length} expected results; ` +
      `kills: ${kills.map((x) => `{${x.trigger}: cp ${x.at.cp}, in ${x.at.in}, out ${x.at.out}}`).join(" ")}; ` +
      `committed input offsets after each kill ${positions.join(", ")}; committed before the last kill ${before.length}; final runs ${finalRuns}, last read ${report.recordsIn} ` +
      `and wrote ${report.recordsOut} with ${report.checkpoints?.completed} checkpoints; ` +
      `restored from ${restored.map((x) => (x === null ? "-" : x.replace(/.*chk-0*/, "chk-"))).join(", ")}; ` +
      `committed output ${got.length}; diff ${JSON.stringify(diff)}; ${seconds} s\n`,
  );

  expect(diff).toEqual({
    duplicates: 0,
    missing: 0,
    unexpected: 0,
    examples: { duplicates: [], missing: [], unexpected: [] },
  });
  expect(got).toHaveLength(v.expected.length);
  // mid-run kills: output was committed before the last kill, but not all of it
  expect(before.length).toBeGreaterThan(0);
  expect(before.length).toBeLessThan(v.expected.length);
  // each kill at a later point of the input: the committed offsets moved on every time
  for (let k = 1; k < positions.length; k++) expect(positions[k]).toBeGreaterThan(positions[k - 1]!);
  expect(positions[0]).toBeGreaterThan(0);
  expect(positions.at(-1)).toBeLessThan(totalIn);
  // every run after the first restored a checkpoint, and the last one resumed rather than re-read
  expect(restored[0]).toBeNull();
  for (const x of restored.slice(1)) expect(x).toMatch(/chk-\d+$/);
  expect(report.checkpoints?.restoredFrom).toMatch(/chk-\d+$/);
  expect(report.recordsIn).toBeLessThan(totalIn);
}

/** Sum over `topics` and their partitions of `group`'s committed offsets (none: 0). */
async function committedPosition(group: string, topics: string[]): Promise<number> {
  let sum = 0;
  for (const t of topics) {
    for (const o of (await groupOffsets(brokers, group, t)).values()) sum += Math.max(0, Number(o));
  }
  return sum;
}

describe("stateful exactly-once Kafka -> Kafka, kill -9 at random points, restore from checkpoints", () => {
  it("1-minute tumbling windows per key over 200,000 events: every (key, window) exactly once with the right count and sum", async () => {
    const events = tumblingEvents(200_000, 12);
    await crashAndCompare({
      name: "tumbling",
      inputs: [{ topic: uniqueTopic("eos-tumbling-in"), messages: events }],
      expected: referenceTumbling(events.map((m) => m.value)),
      line: (s) => windowLine(JSON.parse(s) as WindowResult),
      maxOut: 400,
      rate: 20_000,
      seed: 1201,
    });
  }, 900_000);

  it("30 s session windows per key over 100,000 events: every session exactly once", async () => {
    const events = sessionEvents(100_000, 13);
    await crashAndCompare({
      name: "session",
      inputs: [{ topic: uniqueTopic("eos-session-in"), messages: events }],
      expected: referenceSessions(events.map((m) => m.value)),
      line: (s) => windowLine(JSON.parse(s) as WindowResult),
      maxOut: 200,
      rate: 8_000,
      seed: 1301,
    });
  }, 600_000);

  it("interval join of orders and payments (two topics, [0, +5 min]) over 40,000 orders: every pair exactly once", async () => {
    const { orders, payments } = joinEvents(40_000, 14);
    await crashAndCompare({
      name: "join",
      inputs: [
        { topic: uniqueTopic("eos-orders"), messages: orders },
        { topic: uniqueTopic("eos-payments"), messages: payments },
      ],
      expected: referenceJoin(
        orders.map((m) => m.value),
        payments.map((m) => m.value),
      ),
      line: (s) => joinLine(JSON.parse(s) as JoinResult),
      maxOut: 400,
      rate: 3_000,
      seed: 1401,
    });
  }, 600_000);
});
