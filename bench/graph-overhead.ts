/**
 * Execution-graph scheduling overhead (issue 11): N instances (default 1,000) of a 20-node
 * diamond-shaped graph of no-op tasks (root -> 9 chains of two -> sink), against the bound:
 * the same 20 no-op async functions called in topological order with plain `await`s.
 *
 * `graph-overhead.ts <impl> [N]`; records/s are **instances/s**; the checksum column carries
 * the node runs done and the per-node latency p50 / p99 in µs: the time from the end of a node's
 * last upstream (the instance's creation for the root) to the call of its executor.
 *
 * - `await-loop`: the bound, one instance after another;
 * - `mass-seq`: Mass, one instance after another (`sched()` then `whenDone()`), so the latency is
 *   the scheduler's own (queue, slot, store commit and node-state save per node);
 * - `mass-all`: Mass, all N instances triggered at once (throughput; latency then includes
 *   waiting for a slot behind other instances' nodes).
 *
 * The scheduler: concurrency 16, memory store, silent logger, a lifecycle listener (as a control
 * plane would have).
 */
import { silentLogger } from "../src/index.js";
import { Graph, memoryStore, Scheduler, type TaskBus } from "../src/scheduler/index.js";
import { args, measure } from "./lib.js";

const { impl, size: N } = args(1000);
const WIDTH = 9;

/** The diamond: root, WIDTH chains a_i -> b_i, sink after every b_i (20 nodes for WIDTH 9). */
const nodes: { name: string; after: string[] }[] = [{ name: "root", after: [] }];
for (let i = 0; i < WIDTH; i++) nodes.push({ name: `a${i}`, after: ["root"] });
for (let i = 0; i < WIDTH; i++) nodes.push({ name: `b${i}`, after: [`a${i}`] });
nodes.push({ name: "sink", after: nodes.filter((n) => n.name.startsWith("b")).map((n) => n.name) });

const latencies: number[] = [];
/** end time of each node of the current instances, by `${instance}/${node}` */
const ended = new Map<string, number>();
const created = new Map<string, number>();

function noteStart(instance: string, after: readonly string[]): void {
  const now = performance.now();
  let ready = created.get(instance)!;
  for (const u of after) ready = Math.max(ready, ended.get(`${instance}/${u}`)!);
  latencies.push(now - ready);
}

function summary(): string {
  const s = latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 1000);
  return `node runs ${s.length}, latency p50 ${q(0.5)} µs, p99 ${q(0.99)} µs`;
}

async function massRun(all: boolean): Promise<string> {
  const s = new Scheduler({ concurrency: 16, store: memoryStore(), logger: silentLogger });
  let events = 0;
  s.on("lifecycle", () => void events++);
  const g = new Graph("diamond");
  for (const n of nodes) {
    g.node(
      n.name,
      {
        async executor(_input: unknown, _p: unknown, bus: TaskBus) {
          const id = bus.graph!.instanceId;
          noteStart(id, n.after);
          ended.set(`${id}/${n.name}`, performance.now());
        },
      },
      { after: n.after },
    );
  }
  const h = s.spawnGraph(g);
  await s.start();
  const sched = () => {
    const t = performance.now();
    const id = h.sched();
    created.set(id, t);
    return id;
  };
  if (all) {
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push(sched());
    for (const id of ids) if ((await h.whenDone(id)).status !== "succeeded") throw new Error(`${id} failed`);
  } else {
    for (let i = 0; i < N; i++) {
      const done = await h.whenDone(sched());
      if (done.status !== "succeeded") throw new Error(`${done.id} failed`);
    }
  }
  await s.stop();
  if (events !== N * nodes.length * 3)
    throw new Error(`expected ${N * nodes.length * 3} lifecycle events, got ${events}`);
  return summary();
}

const impls: Record<string, () => Promise<string>> = {
  async "await-loop"() {
    const fns = nodes.map((n) => async (instance: string) => {
      noteStart(instance, n.after);
      ended.set(`${instance}/${n.name}`, performance.now());
    });
    for (let i = 0; i < N; i++) {
      const instance = `i${i}`;
      created.set(instance, performance.now());
      for (const fn of fns) await fn(instance);
    }
    return summary();
  },
  "mass-seq": () => massRun(false),
  "mass-all": () => massRun(true),
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure(`graph overhead, ${nodes.length}-node diamond, instances/s`, impl, N, job);
