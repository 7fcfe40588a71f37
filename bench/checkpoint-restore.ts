/**
 * Restore time vs replay time (issue 12): a job with open day windows crashes (kill -9) after
 * `--crash` records; it is then (i) restored from its latest checkpoint and goes on to the end,
 * or (ii) replayed from the start without a checkpoint. Both must give the results of an
 * uninterrupted run.
 *
 *   node --import tsx bench/checkpoint-restore.ts [--runs 3] [--records 4500000] [--crash 3000000]
 *     [--keys 100000] [--interval 1000]
 *   npm run bench -- restore
 *
 * Records `{ id, key: id % K, ts: (id + shift) × 25 ms, value: id % 97 }`: 3,456,000 records per
 * day, shifted so the first day ends at record 1,000,000; `keyBy(key)`, tumbling windows of 24 h,
 * `agg({ s: sum, n: count, mx: max })`. At the crash (record 3,000,000) every key's day window
 * is open and holds 2,000,000 records; it closes at record 4,456,000.
 *
 * Per run, four fresh processes, each writing its results to a file as it goes (a sink whose
 * writes reach the OS before it returns, so what was written survives a kill -9):
 * - `crash`: checkpoints every `--interval` ms into a directory store; once its source has handed
 *   out `--crash` records it stops reading and says so, and the parent kills it with SIGKILL;
 * - `restore`: the same job, `env.run({ restore: true })` from that directory, to the end;
 * - `replay`: the same job (checkpoints on, into a directory of its own) run without a restore,
 *   from record 0, to the end: what a restart that has no checkpoint to resume from does;
 * - `full`: the same job as `crash`, never killed (the reference).
 * Results are deduplicated by (key, window) — a result written twice must be equal both times
 * (the crashed run's results after its last checkpoint are written again: an at-least-once
 * sink) — and crash ∪ restore, crash ∪ replay must each equal the reference, else the bench
 * fails. Timings (from `env.run()`, wall and CPU): ready (restore done, the first record read),
 * the crash point reached (the source reads past record `--crash`), the first result, the end.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "../src/bench/measure.js";
import { count, directoryCheckpointStore, Env, max, Sink, Source, sum, tumbling } from "../src/index.js";

interface Rec {
  id: number;
  key: number;
  ts: number;
  value: number;
}
interface Res {
  key: number;
  window: { start: number; end: number };
  s: number;
  n: number;
  mx: number;
}

const DAY = 86_400_000;
const STEP = 25; // ms between records: 3,456,000 records a day
const PER_DAY = DAY / STEP;
/** Records shift so that the first day ends at record 1,000,000. */
const SHIFT = PER_DAY - 1_000_000;

/** Marks of a child run, ms and CPU ms since `env.run()`. */
interface Marks {
  mode: string;
  /** Position the source resumed from (0 unless restored). */
  resumedAt: number;
  readyMs: number;
  crashPointMs: number;
  crashPointCpuMs: number;
  firstResultMs: number;
  /** The first result the crashed run had not written (set by the parent). */
  firstNewResultMs: number;
  totalMs: number;
  totalCpuMs: number;
  checkpoints: number;
  lastCheckpointBytes: number;
  restoredFrom: string | null;
  peakRssMB: number;
}

/** The records, with a checkpointable position; notes when it is first read and when it passes `crash`. */
class DaySource extends Source<Rec> {
  i = 0;
  resumedAt = 0;
  onFirst: (() => void) | null = null;
  onCrashPoint: (() => void) | null = null;
  /** When set, stop handing out records past `crash` (the crashed run waits for its kill). */
  stopAtCrash = false;
  /** Called when a checkpoint at or past `crash` completed. */
  onCheckpointedCrash: (() => void) | null = null;
  constructor(
    private readonly n: number,
    private readonly keys: number,
    private readonly crash: number,
  ) {
    super();
  }
  consume(size: number): Rec[] | null | Promise<Rec[] | null> {
    if (this.onFirst !== null) {
      this.onFirst();
      this.onFirst = null;
    }
    if (this.i >= this.crash && this.onCrashPoint !== null) {
      this.onCrashPoint();
      this.onCrashPoint = null;
    }
    // nothing more yet: the runtime calls again after a short pause, and injects barriers
    if (this.stopAtCrash && this.i >= this.crash) return [];
    if (this.i >= this.n) return null;
    const end = Math.min(this.n, this.i + size, this.i < this.crash ? this.crash : this.n);
    const out = new Array<Rec>(end - this.i);
    for (let k = 0; this.i < end; k++, this.i++) {
      const id = this.i;
      out[k] = { id, key: id % this.keys, ts: (id + SHIFT) * STEP, value: id % 97 };
    }
    return out;
  }
  override snapshotPosition(): number {
    return this.i;
  }
  override checkpointComplete(_id: number, position: unknown): void {
    if (typeof position === "number" && position >= this.crash && this.onCheckpointedCrash !== null) {
      this.onCheckpointedCrash();
      this.onCheckpointedCrash = null;
    }
  }
  override restorePosition(position: unknown): void {
    if (typeof position !== "number") throw new Error(`bad position ${String(position)}`);
    this.i = position;
    this.resumedAt = position;
  }
}

/**
 * Appends results to a file, one `key,start,s,n,mx` line each after a `#<ms since the run
 * started>` line per batch, written before `produce` returns.
 */
class FileOut extends Sink<Res> {
  first: (() => void) | null = null;
  t0 = 0;
  constructor(private readonly fd: number) {
    super();
  }
  produce(batch: Res[]): void {
    if (batch.length === 0) return;
    if (this.first !== null) {
      this.first();
      this.first = null;
    }
    let s = `#${(performance.now() - this.t0).toFixed(1)}\n`;
    for (const r of batch) s += `${r.key},${r.window.start},${r.s},${r.n},${r.mx}\n`;
    writeSync(this.fd, s);
  }
}

async function child(
  mode: string,
  dir: string,
  out: string,
  n: number,
  crash: number,
  keys: number,
  intervalMs: number,
  killWhen: string,
): Promise<void> {
  const env = new Env({
    name: "restore-bench",
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    checkpoint: { intervalMs, store: directoryCheckpointStore(dir), retain: 2 },
  });
  const src = new DaySource(n, keys, crash);
  const fd = openSync(out, "w");
  const sink = new FileOut(fd);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  sink.t0 = t0;
  const cpu = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const marks: Marks = {
    mode,
    resumedAt: 0,
    readyMs: -1,
    crashPointMs: -1,
    crashPointCpuMs: -1,
    firstResultMs: -1,
    firstNewResultMs: -1,
    totalMs: -1,
    totalCpuMs: -1,
    checkpoints: 0,
    lastCheckpointBytes: 0,
    restoredFrom: null,
    peakRssMB: 0,
  };
  src.onFirst = () => {
    marks.readyMs = performance.now() - t0;
  };
  src.onCrashPoint = () => {
    marks.crashPointMs = performance.now() - t0;
    marks.crashPointCpuMs = cpu();
    if (mode === "crash" && killWhen === "reached")
      process.stdout.write(`${JSON.stringify({ ev: "crash", ...marks })}\n`);
  };
  if (mode === "crash" && killWhen === "checkpointed") {
    src.onCheckpointedCrash = () => process.stdout.write(`${JSON.stringify({ ev: "crash", ...marks })}\n`);
  }
  src.stopAtCrash = mode === "crash";
  sink.first = () => {
    marks.firstResultMs = performance.now() - t0;
  };
  env
    .from(src, { name: "events" })
    .withTimestamps((r) => r.ts)
    .keyBy((r) => r.key)
    .window(tumbling(DAY))
    .agg({ s: sum((r: Rec) => r.value), n: count(), mx: max((r: Rec) => r.id) })
    .to(sink, { name: "out" });
  const report = await env.run(mode === "restore" ? { restore: true } : {});
  marks.totalMs = performance.now() - t0;
  marks.totalCpuMs = cpu();
  closeSync(fd);
  marks.resumedAt = src.resumedAt;
  marks.checkpoints = report.checkpoints?.completed ?? 0;
  marks.lastCheckpointBytes = report.checkpoints?.last?.bytes ?? 0;
  marks.restoredFrom = report.checkpoints?.restoredFrom ?? null;
  marks.peakRssMB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  process.stdout.write(`${JSON.stringify(marks)}\n`);
}

const childArgs = (mode: string, dir: string, out: string, o: Opts) => [
  "--expose-gc",
  "--import",
  "tsx",
  "bench/checkpoint-restore.ts",
  "run",
  mode,
  dir,
  out,
  String(o.records),
  String(o.crash),
  String(o.keys),
  String(o.interval),
  o.killWhen,
];

interface Opts {
  records: number;
  crash: number;
  keys: number;
  interval: number;
  /** `checkpointed`: kill once a checkpoint at the crash point is stored; `reached`: as soon as the source reached it. */
  killWhen: string;
}

/** Runs the crashing child and kills it with SIGKILL once it reached the crash point. */
function crashRun(dir: string, out: string, o: Opts): Promise<Marks> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, childArgs("crash", dir, out, o), { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    let err = "";
    let marks: Marks | null = null;
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith('{"ev":"crash"'));
      if (line !== undefined && marks === null) {
        marks = JSON.parse(line) as Marks;
        p.kill("SIGKILL");
      }
    });
    p.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    p.on("exit", (code, signal) => {
      if (marks === null || signal !== "SIGKILL")
        reject(
          new Error(`crash run: expected a kill -9 at the crash point, got exit ${code} ${signal}: ${err}`),
        );
      else resolve(marks);
    });
  });
}

function runChild(mode: string, dir: string, out: string, o: Opts): Marks {
  const p = spawnSync(process.execPath, childArgs(mode, dir, out, o), {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (p.status !== 0) throw new Error(`${mode} run failed (${p.status} ${p.signal}): ${p.stderr}`);
  return JSON.parse(p.stdout.trim().split("\n").at(-1)!) as Marks;
}

/** Results of a file by `key,start`; a (key, window) written twice must carry the same result. */
function readResults(files: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) {
    for (const line of readFileSync(f, "utf8").split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const cut = line.indexOf(",", line.indexOf(",") + 1);
      const id = line.slice(0, cut);
      const v = line.slice(cut + 1);
      const had = m.get(id);
      if (had !== undefined && had !== v)
        throw new Error(`result of ${id} written twice with different values: ${had} vs ${v} (${f})`);
      m.set(id, v);
    }
  }
  return m;
}

/** Ms since the run started of the first batch in `file` holding a result not in `old` (-1: none). */
function firstNew(file: string, old: Map<string, string>): number {
  let t = -1;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("#")) t = Number(line.slice(1));
    else if (line !== "" && !old.has(line.slice(0, line.indexOf(",", line.indexOf(",") + 1)))) return t;
  }
  return -1;
}

/** Fails unless `got` holds exactly the results of `want`. */
function sameResults(what: string, got: Map<string, string>, want: Map<string, string>): string {
  if (got.size !== want.size)
    throw new Error(`${what}: ${got.size} results, the uninterrupted run has ${want.size}`);
  let s = 0;
  let c = 0;
  for (const [id, v] of want) {
    if (got.get(id) !== v) throw new Error(`${what}: result ${id} is ${got.get(id)}, uninterrupted ${v}`);
    const [sv, nv] = v.split(",");
    s += Number(sv);
    c += Number(nv);
  }
  return `${want.size}:${s}:${c}`;
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const sec = (ms: number) => (ms < 0 ? "-" : (ms / 1000).toFixed(2));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "run") {
    const [mode, dir, out, n, crash, keys, interval, killWhen] = argv.slice(1);
    return child(mode, dir, out, Number(n), Number(crash), Number(keys), Number(interval), killWhen);
  }
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const runs = Number(opt("--runs", "3"));
  const o: Opts = {
    records: Number(opt("--records", "4500000")),
    crash: Number(opt("--crash", "3000000")),
    keys: Number(opt("--keys", "100000")),
    interval: Number(opt("--interval", "1000")),
    killWhen: opt("--kill-when", "checkpointed"),
  };
  if (o.killWhen !== "checkpointed" && o.killWhen !== "reached")
    throw new Error(`--kill-when: checkpointed or reached, got ${o.killWhen}`);
  const all: {
    crash: Marks;
    restore: Marks;
    replay: Marks;
    full: Marks;
    checksum: string;
    restoredBytes: number;
    crashResults: number;
  }[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), "mass-bench-restore-"));
    try {
      const f = (m: string) => join(dir, `${m}.csv`);
      const ckdir = join(dir, "checkpoints");
      const crash = await crashRun(ckdir, f("crash"), o);
      const stored = (await directoryCheckpointStore(ckdir).list()).filter((c) => !c.savepoint).at(-1);
      const restore = runChild("restore", ckdir, f("restore"), o);
      if (restore.restoredFrom === null || restore.resumedAt === 0)
        throw new Error("restore run: nothing was restored (no checkpoint before the crash?)");
      const replay = runChild("replay", join(dir, "none"), f("replay"), o);
      const full = runChild("full", join(dir, "full"), f("full"), o);
      const want = readResults([f("full")]);
      const old = readResults([f("crash")]);
      for (const [k, m] of [
        ["restore", restore],
        ["replay", replay],
        ["full", full],
      ] as const)
        m.firstNewResultMs = firstNew(f(k), old);
      const checksum = sameResults("crash + restore", readResults([f("crash"), f("restore")]), want);
      sameResults("crash + replay", readResults([f("crash"), f("replay")]), want);
      all.push({
        crash,
        restore,
        replay,
        full,
        checksum,
        restoredBytes: stored?.bytes ?? 0,
        crashResults: old.size,
      });
      process.stderr.write(
        `run ${r + 1}: restored from record ${fmt(restore.resumedAt)}: ready ${sec(restore.readyMs)} s, crash point ${sec(restore.crashPointMs)} s, total ${sec(restore.totalMs)} s; replay: crash point ${sec(replay.crashPointMs)} s, total ${sec(replay.totalMs)} s; results ${checksum} equal\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (f: (x: (typeof all)[number]) => number) => median(all.map(f));
  console.log(
    `Restore vs replay: ${fmt(o.records)} records, ${fmt(o.keys)} keys, day windows, crash (kill -9) after ${fmt(o.crash)}, checkpoints every ${o.interval} ms; median of ${runs}`,
  );
  console.log(
    "| after the crash | resumes from record | ready s | crash point reached s (CPU s) | first new result s | total s (CPU s) | peak RSS MB |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  const row = (label: string, k: "restore" | "replay" | "full") =>
    console.log(
      `| ${label} | ${fmt(med((x) => x[k].resumedAt))} | ${sec(med((x) => x[k].readyMs))} | ${sec(med((x) => x[k].crashPointMs))} (${sec(med((x) => x[k].crashPointCpuMs))}) | ${sec(med((x) => x[k].firstNewResultMs))} | ${sec(med((x) => x[k].totalMs))} (${sec(med((x) => x[k].totalCpuMs))}) | ${fmt(med((x) => x[k].peakRssMB))} |`,
    );
  row("restore from the latest checkpoint", "restore");
  row("replay from the start (no restore)", "replay");
  row("uninterrupted run (reference, checkpoints on)", "full");
  console.log(
    `crashed run: killed at ${sec(med((x) => x.crash.crashPointMs))} s; checkpoint restored: ${fmt(med((x) => x.restore.resumedAt))} records in, ${(med((x) => x.restoredBytes) / 1e6).toFixed(2)} MB; the crashed run wrote ${fmt(med((x) => x.crashResults))} results before its kill; results (count:sum:count) ${all[0].checksum}, equal in every run`,
  );
  console.log(JSON.stringify({ scenario: "checkpoint-restore", options: o, runs: all }));
}

await main();
