/**
 * Scheduling overhead: N no-op tasks through the queue, with concurrency C (default 100,000 and
 * 1; `scheduler-overhead.ts <impl> <N> <C>`), Mass's Scheduler (three priorities, lifecycle
 * events counted by a listener, a store commit and metrics per run, memory store) against
 * p-queue with the same three priorities (`p-queue`) and without priorities (`p-queue-fifo`,
 * its fast path). Checksum: runs done.
 */
import PQueue from "p-queue";
import { silentLogger } from "../src/index.js";
import { memoryStore, Scheduler } from "../src/scheduler/index.js";
import { args, measure } from "./lib.js";

const { impl, size: N } = args(100_000);
const C = Number(process.argv[4] ?? 1);

const impls: Record<string, () => Promise<string>> = {
  async "p-queue-fifo"() {
    const q = new PQueue({ concurrency: C });
    let done = 0;
    for (let i = 0; i < N; i++) void q.add(async () => void done++);
    await q.onIdle();
    return String(done);
  },
  async "p-queue"() {
    const q = new PQueue({ concurrency: C });
    let done = 0;
    for (let i = 0; i < N; i++) void q.add(async () => void done++, { priority: i % 3 });
    await q.onIdle();
    return String(done);
  },
  async mass() {
    const s = new Scheduler({ concurrency: C, store: memoryStore(), logger: silentLogger });
    let done = 0;
    let events = 0;
    s.on("lifecycle", () => void events++);
    const handles = [0, 1, 2].map((p) =>
      s.spawnTask({ executor: async () => void done++ }, { id: `noop${p}`, priority: p, overlap: "allow" }),
    );
    await s.start();
    for (let i = 0; i < N; i++) handles[i % 3].sched(i);
    await s.idle();
    await s.stop();
    if (events !== N * 3) throw new Error(`expected ${N * 3} lifecycle events, got ${events}`);
    return String(done);
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure(`scheduler overhead, concurrency ${C}`, impl, N, job);
