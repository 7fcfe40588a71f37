/**
 * Checkpoint cost (issue 12): the same job with no checkpoints, checkpoints every 10 s and
 * every 1 s, each run in a fresh process, interleaved (none, 10 s, 1 s, none, ...), medians.
 *
 *   node --expose-gc --import tsx bench/checkpoints.ts [--runs N] [--jobs w2,w3,state]
 *     [--keys 1000,100000,1000000] [--records 20000000,3000000,3000000] [--w2-records 20000000]
 *     [--w3-passes 6]
 *   npm run bench -- checkpoints
 *
 * Jobs:
 * - `w2`: W2 itself (bench/w2-keyed-window.ts): `{ id, key: id % 1000, ts: id × 10 ms,
 *   value: id % 97 }`, 1 s tumbling windows per key, sum and count; 20M records (W2's 2M last
 *   under a second: too short for checkpoints every second).
 * - `w3`: W3, the flights job (bench/w3-flights-window.ts): the 3M flights of
 *   flights-3m.parquet decoded first (untimed), per origin 1-hour tumbling windows, mean delay
 *   and count; the data is read `--w3-passes` times, each pass shifted past the previous one in
 *   event time (so windows stay in order), for a run long enough to take checkpoints.
 * - `state`: state growth, W2's shape at K keys (1k, 100k, 1M): key `id % K`, tumbling windows
 *   of 2K × 10 ms, so every key has an open window at any barrier (the state holds ~K
 *   accumulators).
 *
 * Checkpoints go to a directory store in the OS temp dir (fsync on, keep 2). Each row gives the
 * median CPU time and records/s, the cost against no checkpoints (CPU and wall), the checkpoints
 * taken, their median and largest size, their duration (barrier injected to stored) and the
 * largest sync part (state copy, the pause of the node). The checksum of every run must equal
 * the run without checkpoints, else the bench fails.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureOnce, median } from "../src/bench/measure.js";
import {
  type CheckpointData,
  type CheckpointStore,
  count,
  directoryCheckpointStore,
  Env,
  mean,
  Sink,
  Source,
  type StoredCheckpoint,
  sum,
  tumbling,
} from "../src/index.js";
import { type Flight, loadFlights } from "./flights.js";
import { WindowChecksum } from "./plain-windows.js";

interface Rec {
  id: number;
  key: number;
  ts: number;
  value: number;
}

/** W2's records, with a checkpointable position. */
class W2Source extends Source<Rec> {
  private i = 0;
  constructor(
    private readonly n: number,
    private readonly keys: number,
  ) {
    super();
  }
  consume(size: number): Rec[] | null {
    if (this.i >= this.n) return null;
    const end = Math.min(this.n, this.i + size);
    const out = new Array<Rec>(end - this.i);
    for (let k = 0; this.i < end; k++, this.i++) {
      const id = this.i;
      out[k] = { id, key: id % this.keys, ts: id * 10, value: id % 97 };
    }
    return out;
  }
  override snapshotPosition(): number {
    return this.i;
  }
}

/** The flights read `passes` times, pass p shifted by p × `shift` ms; position: records handed out. */
class FlightPasses extends Source<Flight> {
  private i = 0;
  constructor(
    private readonly flights: Flight[],
    private readonly passes: number,
    private readonly shift: number,
  ) {
    super();
  }
  consume(size: number): Flight[] | null {
    const n = this.flights.length;
    if (this.i >= n * this.passes) return null;
    const pass = Math.floor(this.i / n);
    const from = this.i - pass * n;
    const end = Math.min(n, from + size);
    const d = pass * this.shift;
    const out = new Array<Flight>(end - from);
    for (let k = 0, j = from; j < end; k++, j++) {
      const f = this.flights[j];
      out[k] = d === 0 ? f : { t: f.t + d, delay: f.delay, origin: f.origin };
    }
    this.i += end - from;
    return out;
  }
  override snapshotPosition(): number {
    return this.i;
  }
}

const HOUR = 3_600_000;

/** A store that notes each checkpoint's size and duration (trigger to stored). */
function recording(store: CheckpointStore, log: { bytes: number; ms: number }[]): CheckpointStore {
  return {
    description: store.description,
    async write(cp: CheckpointData): Promise<StoredCheckpoint> {
      const s = await store.write(cp);
      log.push({ bytes: s.bytes, ms: Date.now() - cp.timestamp });
      return s;
    },
    latest: () => store.latest(),
    load: (l) => store.load(l),
    list: () => store.list(),
    prune: (n) => store.prune(n),
  };
}

/** One run: `job` (w2, w3, state) in `mode` (none, 10s, 1s); `size`: keys (state) or passes (w3). */
async function child(job: string, mode: string, size: number, n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mass-bench-ckpt-"));
  const log: { bytes: number; ms: number }[] = [];
  let syncMax = 0;
  const flights = job === "w3" ? await loadFlights() : [];
  const records = job === "w3" ? flights.length * size : n;
  try {
    const m = await measureOnce(`checkpoints ${job}`, `${mode}/${size}`, records, async () => {
      const intervalMs = mode === "none" ? 0 : mode === "10s" ? 10_000 : 1_000;
      const env = new Env(
        mode === "none"
          ? {}
          : { checkpoint: { intervalMs, store: recording(directoryCheckpointStore(dir), log), retain: 2 } },
      );
      const c = new WindowChecksum();
      if (job === "w3") {
        class Out extends Sink<{ m: number; n: number }> {
          produce(e: { m: number; n: number }[]) {
            // sum = mean * count, rounded: delays are whole minutes (as bench/w3-flights-window.ts)
            for (let i = 0; i < e.length; i++) c.add(Math.round(e[i].m * e[i].n), e[i].n);
          }
        }
        const span = flights[flights.length - 1].t - flights[0].t;
        const shift = Math.ceil((span + 1) / HOUR) * HOUR + HOUR;
        env
          .from(new FlightPasses(flights, size, shift), { name: "flights" })
          .withTimestamps((r) => r.t)
          .keyBy((r) => r.origin)
          .window(tumbling(HOUR))
          .agg({ m: mean((r: Flight) => r.delay), n: count() })
          .to(new Out());
      } else {
        class Out extends Sink<{ s: number; n: number }> {
          produce(e: { s: number; n: number }[]) {
            for (let i = 0; i < e.length; i++) c.add(e[i].s, e[i].n);
          }
        }
        // W2: 1,000 keys, 1 s windows; state: K keys, windows of 2K records
        const keys = job === "w2" ? 1000 : size;
        env
          .from(new W2Source(n, keys), { name: "src" })
          .withTimestamps((r) => r.ts)
          .keyBy((r) => r.key)
          .window(tumbling(job === "w2" ? 1000 : 2 * keys * 10))
          .agg({ s: sum((r: Rec) => r.value), n: count() })
          .to(new Out());
      }
      const timer = setInterval(() => {
        const l = env.stats()?.checkpoints?.last;
        if (l !== undefined && l.syncMs > syncMax) syncMax = l.syncMs;
      }, 50);
      const report = await env.run();
      clearInterval(timer);
      const l = report.checkpoints?.last;
      if (l !== undefined && l.syncMs > syncMax) syncMax = l.syncMs;
      if (mode !== "none" && (report.checkpoints?.failed ?? 0) > 0)
        throw new Error(`${report.checkpoints?.failed} checkpoint(s) failed`);
      return c.toString();
    });
    process.stdout.write(`${JSON.stringify({ ...m, checkpoints: log, syncMaxMs: syncMax })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (b: number) => (b / 1e6).toFixed(b < 1e6 ? 3 : 1);
const pct = (x: number, base: number) => `${x >= base ? "+" : ""}${(((x - base) / base) * 100).toFixed(0)} %`;

interface Run {
  rps: number;
  cpuMs: number;
  ms: number;
  records: number;
  peakRssMB: number;
  checksum: string;
  checkpoints: { bytes: number; ms: number }[];
  syncMaxMs: number;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "run") return child(argv[1], argv[2], Number(argv[3]), Number(argv[4]));
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const runs = Number(opt("--runs", "3"));
  const jobs = opt("--jobs", "w2,w3,state").split(",");
  const keyList = opt("--keys", "1000,100000,1000000").split(",").map(Number);
  // enough records that a run lasts several seconds at each key count
  const counts = opt("--records", "20000000,3000000,3000000").split(",").map(Number);
  const recordsFor = (i: number) => counts[Math.min(i, counts.length - 1)];
  const cases: { job: string; label: string; size: number; n: number }[] = [];
  for (const job of jobs) {
    if (job === "w2")
      cases.push({
        job,
        label: "W2 (1k keys, 1 s windows)",
        size: 1000,
        n: Number(opt("--w2-records", "20000000")),
      });
    else if (job === "w3") {
      const passes = Number(opt("--w3-passes", "6"));
      cases.push({ job, label: `W3 flights x${passes} (229 origins, 1 h windows)`, size: passes, n: 0 });
    } else if (job === "state")
      for (const [ki, keys] of keyList.entries())
        cases.push({ job, label: `state: ${fmt(keys)} keys`, size: keys, n: recordsFor(ki) });
    else throw new Error(`--jobs: w2, w3 or state, got ${job}`);
  }
  const modes = ["none", "10s", "1s"];
  const rows: string[] = [];
  const all: unknown[] = [];
  for (const cs of cases) {
    const byMode = new Map<string, Run[]>(modes.map((m) => [m, []]));
    // interleaved (none, 10s, 1s, none, ...): a machine getting busier or quieter favours none
    for (let r = 0; r < runs; r++) {
      for (const mode of modes) {
        const p = spawnSync(
          process.execPath,
          [
            "--expose-gc",
            "--import",
            "tsx",
            "bench/checkpoints.ts",
            "run",
            cs.job,
            mode,
            String(cs.size),
            String(cs.n),
          ],
          { encoding: "utf8", maxBuffer: 1 << 26 },
        );
        if (p.status !== 0) throw new Error(`run ${cs.job} ${mode}/${cs.size} failed: ${p.stderr}`);
        byMode.get(mode)!.push(JSON.parse(p.stdout.trim().split("\n").at(-1)!) as Run);
      }
    }
    const checksum = byMode.get("none")![0].checksum;
    let base: { cpu: number; rps: number } | null = null;
    for (const mode of modes) {
      const ms = byMode.get(mode)!;
      all.push({ job: cs.job, size: cs.size, mode, runs: ms });
      for (const m of ms)
        if (m.checksum !== checksum)
          throw new Error(`${cs.label}, ${mode}: checksum ${m.checksum}, without checkpoints ${checksum}`);
      const cpu = median(ms.map((m) => m.cpuMs)) / 1000;
      const rps = median(ms.map((m) => m.rps));
      if (mode === "none") base = { cpu, rps };
      const cps = ms.flatMap((m) => m.checkpoints);
      const row = [
        cs.label,
        fmt(ms[0].records),
        mode === "none" ? "none" : `every ${mode}`,
        cpu.toFixed(2),
        mode === "none" ? "-" : `**${pct(cpu, base!.cpu)}**`,
        fmt(rps),
        mode === "none" ? "-" : pct(base!.rps, rps),
        ms.map((m) => m.checkpoints.length).join(" / "),
        cps.length === 0
          ? "-"
          : `${mb(median(cps.map((c) => c.bytes)))} / ${mb(Math.max(...cps.map((c) => c.bytes)))}`,
        cps.length === 0
          ? "-"
          : `${fmt(median(cps.map((c) => c.ms)))} / ${fmt(Math.max(...cps.map((c) => c.ms)))}`,
        cps.length === 0 ? "-" : fmt(Math.max(...ms.map((m) => m.syncMaxMs))),
        fmt(median(ms.map((m) => m.peakRssMB))),
      ];
      rows.push(`| ${row.join(" | ")} |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  }
  console.log(`Checkpoint cost, ${runs} fresh process(es) each (interleaved), median; checksums equal`);
  console.log(
    "| job | records | checkpoints | CPU s | CPU cost | records/s (wall) | wall time cost | taken per run | size MB median / max | duration ms median / max | sync ms max | peak RSS MB |",
  );
  console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log(JSON.stringify({ scenario: "checkpoints", results: all }));
}

await main();
