/**
 * Checkpoint cost on W2's job shape (keyed tumbling window, sum and count), as issue 12 asks:
 * no checkpoints vs every 10 s vs every 1 s, at 1k, 100k and 1M keys.
 *
 *   node --expose-gc --import tsx bench/checkpoints.ts [records] [--runs N] [--keys 1000,100000]
 *
 * Records: `{ id, key: id % K, ts: id × 10 ms, value: id % 97 }`; tumbling windows of
 * 2K × 10 ms, so every key has an open window at any barrier (the state holds ~K
 * accumulators: what grows with K). Checkpoints go to a directory store in the OS temp dir
 * (fsync on). Each (keys, mode) runs in a fresh process; the table gives the median records/s,
 * the cost against no checkpoints, the checkpoints taken, their median and largest size, and
 * their duration (barrier injected to stored) and sync part (state copy, the pause).
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
  Sink,
  Source,
  type StoredCheckpoint,
  sum,
  tumbling,
} from "../src/index.js";

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

async function child(mode: string, keys: number, n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mass-bench-ckpt-"));
  const log: { bytes: number; ms: number }[] = [];
  let syncMax = 0;
  try {
    const m = await measureOnce("checkpoints", `${mode}/${keys}`, n, async () => {
      const intervalMs = mode === "none" ? 0 : mode === "10s" ? 10_000 : 1_000;
      const env = new Env(
        mode === "none"
          ? {}
          : { checkpoint: { intervalMs, store: recording(directoryCheckpointStore(dir), log), retain: 2 } },
      );
      let s = 0;
      let c = 0;
      class Out extends Sink<{ s: number; n: number }> {
        produce(e: { s: number; n: number }[]) {
          for (let i = 0; i < e.length; i++) {
            s += e[i].s;
            c += e[i].n;
          }
        }
      }
      env
        .from(new W2Source(n, keys), { name: "src" })
        .withTimestamps((r) => r.ts)
        .keyBy((r) => r.key)
        .window(tumbling(2 * keys * 10))
        .agg({ s: sum((r: Rec) => r.value), n: count() })
        .to(new Out());
      const timer = setInterval(() => {
        const l = env.stats()?.checkpoints?.last;
        if (l !== undefined && l.syncMs > syncMax) syncMax = l.syncMs;
      }, 50);
      const report = await env.run();
      clearInterval(timer);
      const l = report.checkpoints?.last;
      if (l !== undefined && l.syncMs > syncMax) syncMax = l.syncMs;
      return `${s}:${c}`;
    });
    process.stdout.write(`${JSON.stringify({ ...m, checkpoints: log, syncMaxMs: syncMax })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (b: number) => (b / 1e6).toFixed(b < 1e6 ? 3 : 1);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "run") return child(argv[1], Number(argv[2]), Number(argv[3]));
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const n = Number(argv.find((a) => /^\d+$/.test(a)) ?? 3_000_000);
  const runs = Number(opt("--runs", "3"));
  const keyList = opt("--keys", "1000,100000,1000000").split(",").map(Number);
  const modes = ["none", "10s", "1s"];
  const rows: string[] = [];
  const all: unknown[] = [];
  for (const keys of keyList) {
    let base = 0;
    let checksum = "";
    for (const mode of modes) {
      const ms: {
        rps: number;
        cpuMs: number;
        peakRssMB: number;
        checksum: string;
        checkpoints: { bytes: number; ms: number }[];
        syncMaxMs: number;
      }[] = [];
      // interleaved would be fairer under load; runs are few and fresh processes
      for (let r = 0; r < runs; r++) {
        const p = spawnSync(
          process.execPath,
          ["--expose-gc", "--import", "tsx", "bench/checkpoints.ts", "run", mode, String(keys), String(n)],
          { encoding: "utf8", maxBuffer: 1 << 26 },
        );
        if (p.status !== 0) throw new Error(`run ${mode}/${keys} failed: ${p.stderr}`);
        ms.push(JSON.parse(p.stdout.trim().split("\n").at(-1)!));
      }
      all.push({ keys, mode, runs: ms });
      if (checksum === "") checksum = ms[0].checksum;
      for (const m of ms)
        if (m.checksum !== checksum) throw new Error(`checksum differs: ${m.checksum} vs ${checksum}`);
      const rps = median(ms.map((m) => m.rps));
      const cpuRps = median(ms.map((m) => n / (m.cpuMs / 1000)));
      if (mode === "none") base = rps;
      const cps = ms.flatMap((m) => m.checkpoints);
      const taken = median(ms.map((m) => m.checkpoints.length));
      const row = [
        fmt(keys),
        mode === "none" ? "none" : `every ${mode}`,
        fmt(rps),
        mode === "none" ? "-" : `${(((base - rps) / base) * 100).toFixed(1)} %`,
        fmt(cpuRps),
        String(taken),
        cps.length === 0 ? "-" : mb(median(cps.map((c) => c.bytes))),
        cps.length === 0 ? "-" : mb(Math.max(...cps.map((c) => c.bytes))),
        cps.length === 0 ? "-" : fmt(median(cps.map((c) => c.ms))),
        cps.length === 0 ? "-" : fmt(Math.max(...cps.map((c) => c.ms))),
        cps.length === 0 ? "-" : fmt(Math.max(...ms.map((m) => m.syncMaxMs))),
        fmt(median(ms.map((m) => m.peakRssMB))),
      ];
      rows.push(`| ${row.join(" | ")} |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  }
  console.log(`W2 shape, ${fmt(n)} records, ${runs} fresh process(es) each, median`);
  console.log(
    "| keys | checkpoints | records/s | cost | per CPU-s | taken | size MB (median) | size MB (max) | duration ms (median) | duration ms (max) | sync ms (max) | peak RSS MB |",
  );
  console.log("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log(JSON.stringify({ scenario: "checkpoints", records: n, results: all }));
}

await main();
