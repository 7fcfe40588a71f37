/**
 * Control plane cost: requests/s of `GET /runs` (autocannon) and the SSE fan-out to 50 clients
 * while the scheduler runs 1,000 tasks/s, and the scheduler's own throughput beside it.
 *
 *   node --import tsx bench/control-plane.ts [--seconds 10] [--json]
 *
 * The scheduler and its control plane run in a child process (this file with `server <mode>
 * <rate>`); the load generator (autocannon, or 50 SSE clients) runs in this process, on
 * loopback. Each task run reports progress 4 times (4 progress + 3 lifecycle events per run).
 * Rows:
 *   - `1,000 tasks/s`: the scheduler driven at a fixed 1,000 runs/s (topped up every 10 ms): runs/s
 *     achieved, CPU of the server process, event-loop delay p99; alone, with `GET /runs` under
 *     load, with 50 SSE clients reading every event;
 *   - `max`: the scheduler as fast as it goes (1,000 runs kept queued): runs/s alone (no control
 *     plane), with the control plane started and idle, under `GET /runs` load, with 50 SSE clients.
 */
import { type ChildProcess, fork } from "node:child_process";
import { get } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { silentLogger } from "../src/index.js";
import { memoryStore, type Proceed, Scheduler } from "../src/scheduler/index.js";

interface ServerStats {
  runs: number;
  seconds: number;
  runsPerSecond: number;
  cpuPercent: number;
  /** CPU time of the server process per run: steadier than runs/s on a shared machine. */
  cpuMicrosPerRun: number;
  loopDelayP99Ms: number;
  eventClientsDropped: number;
}

// ---- the server process ------------------------------------------------------------------

async function server(mode: "alone" | "serve", rate: number | "max"): Promise<void> {
  const scheduler = new Scheduler({ concurrency: 64, store: memoryStore(), logger: silentLogger });
  let done = 0;
  const handle = scheduler.spawnTask(
    {
      name: "noop",
      async executor(_input: unknown, proceed: Proceed) {
        for (let i = 1; i <= 4; i++) await proceed({ now: i, total: 4 });
        done++;
      },
    },
    { id: "noop", overlap: "allow" },
  );
  await scheduler.start();
  const srv =
    mode === "serve"
      ? await scheduler.serve({ port: 0, token: "bench-token-123", logger: silentLogger })
      : null;
  let timer: NodeJS.Timeout | null = null;
  let running = true;
  let queued = 0;
  // max: top the queue up to 1,000 runs once per event-loop turn. (Re-queueing from the
  // `finished` event instead never yields: no-op runs settle in microtasks, timers and sockets starve.)
  const refill = () => {
    if (!running) return;
    for (; queued - done < 1000; queued++) handle.sched();
    setImmediate(refill);
  };
  const start = () => {
    if (rate === "max") refill();
    else {
      // a fixed rate whatever the timer's drift: catch up to rate × elapsed at each tick
      const t = performance.now();
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - t) / 1000) * rate);
        for (; queued < due; queued++) handle.sched();
      }, 10);
    }
  };
  process.send?.({ ready: true, port: srv?.port ?? 0 });
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let done0 = 0;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  process.on("message", async (m: { cmd: string }) => {
    if (m.cmd === "start") {
      start();
      // measure from 1 s in (JIT warm-up, queue filled)
      setTimeout(() => {
        t0 = performance.now();
        cpu0 = process.cpuUsage();
        done0 = done;
        delay.enable();
        process.send?.({ measuring: true });
      }, 1000);
    }
    if (m.cmd === "stop") {
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      delay.disable();
      const runs = done - done0;
      running = false;
      if (timer !== null) clearInterval(timer);
      const stats: ServerStats = {
        runs,
        seconds,
        runsPerSecond: runs / seconds,
        cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
        cpuMicrosPerRun: (cpu.user + cpu.system) / runs,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        eventClientsDropped: srv?.events.dropped ?? 0,
      };
      process.send?.({ stats });
      await srv?.close();
      await scheduler.stop({ timeoutMs: 5000 });
      process.exit(0);
    }
  });
}

// ---- the load side -----------------------------------------------------------------------

function startServer(
  mode: "alone" | "serve",
  rate: number | "max",
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ["server", mode, String(rate)], {
    execArgv: ["--import", "tsx"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: { ready?: boolean; port?: number }) => {
      if (m.ready) resolve({ child, port: m.port ?? 0 });
    });
  });
}

function message<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const fn = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off("message", fn);
        resolve(m[key] as T);
      }
    };
    child.on("message", fn);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  scenario: string;
  load: string;
  server: ServerStats;
  requestsPerSecond?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  eventsPerSecond?: number;
  eventsPerClientPerSecond?: number;
  bytesPerSecond?: number;
}

async function measure(
  scenario: string,
  mode: "alone" | "serve",
  rate: number | "max",
  load: "none" | "runs" | "sse",
  seconds: number,
): Promise<Row> {
  const { child, port } = await startServer(mode, rate);
  const url = `http://127.0.0.1:${port}`;
  const measuring = message(child, "measuring");
  child.send({ cmd: "start" });
  await measuring;
  const row: Partial<Row> = { scenario, load };
  if (load === "runs") {
    const r = await autocannon({ url: `${url}/runs`, connections: 10, duration: seconds });
    row.requestsPerSecond = r.requests.average;
    row.latencyP50Ms = r.latency.p50;
    row.latencyP99Ms = r.latency.p99;
    if (r.non2xx > 0) throw new Error(`GET /runs: ${r.non2xx} non-2xx answers`);
  } else if (load === "sse") {
    const clients = 50;
    let events = 0;
    let bytes = 0;
    const reqs = [];
    let counting = false;
    for (let i = 0; i < clients; i++) {
      const req = get(`${url}/events`, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (!counting) return;
          bytes += chunk.length;
          let at = chunk.indexOf("\ndata: ");
          while (at >= 0) {
            events++;
            at = chunk.indexOf("\ndata: ", at + 7);
          }
        });
      });
      req.on("error", () => {}); // a client the server dropped as too slow (counted by the server)
      reqs.push(req);
    }
    await sleep(500);
    counting = true;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    counting = false;
    const s = (performance.now() - t0) / 1000;
    for (const r of reqs) r.destroy();
    row.eventsPerSecond = events / s;
    row.eventsPerClientPerSecond = events / s / clients;
    row.bytesPerSecond = bytes / s;
  } else {
    await sleep(seconds * 1000);
  }
  const stats = message<ServerStats>(child, "stats");
  child.send({ cmd: "stop" });
  row.server = await stats;
  await new Promise((r) => child.once("exit", r));
  return row as Row;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: "string", default: "10" }, json: { type: "boolean", default: false } },
  });
  const seconds = Number(values.seconds);
  const plan: [string, "alone" | "serve", number | "max", "none" | "runs" | "sse"][] = [
    ["1,000 tasks/s, no control plane", "alone", 1000, "none"],
    ["1,000 tasks/s, control plane idle", "serve", 1000, "none"],
    ["1,000 tasks/s, GET /runs under load", "serve", 1000, "runs"],
    ["1,000 tasks/s, 50 SSE clients", "serve", 1000, "sse"],
    ["max, no control plane", "alone", "max", "none"],
    ["max, control plane idle", "serve", "max", "none"],
    ["max, GET /runs under load", "serve", "max", "runs"],
    ["max, 50 SSE clients", "serve", "max", "sse"],
  ];
  const rows: Row[] = [];
  for (const [scenario, mode, rate, load] of plan) {
    const row = await measure(scenario, mode, rate, load, seconds);
    rows.push(row);
    if (values.json) console.log(JSON.stringify(row));
    else console.error(`${scenario}: done`);
  }
  const n = (x: number | undefined, d = 0) =>
    x === undefined ? "" : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    "| scenario | runs/s | server CPU % | CPU µs / run | loop delay p99 ms | GET /runs req/s | latency p50 / p99 ms | SSE events/s (all clients) | per client | SSE MB/s | clients dropped |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${n(r.server.runsPerSecond)} | ${n(r.server.cpuPercent)} | ${n(r.server.cpuMicrosPerRun, 1)} | ${n(r.server.loopDelayP99Ms, 1)} | ${n(r.requestsPerSecond)} | ${r.latencyP50Ms === undefined ? "" : `${r.latencyP50Ms} / ${r.latencyP99Ms}`} | ${n(r.eventsPerSecond)} | ${n(r.eventsPerClientPerSecond)} | ${r.bytesPerSecond === undefined ? "" : n(r.bytesPerSecond / 2 ** 20, 1)} | ${r.server.eventClientsDropped} |`,
    );
  }
}

if (process.argv[2] === "server")
  await server(
    process.argv[3] as "alone" | "serve",
    process.argv[4] === "max" ? "max" : Number(process.argv[4]),
  );
else await main();
