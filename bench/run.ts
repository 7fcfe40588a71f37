/**
 * Runs the benchmark scenarios, each implementation in fresh processes, `--runs` times
 * (default 3), and prints a Markdown table of medians: records/s, ratio to the plain loop,
 * peak RSS and its growth over the process's base RSS. Fails if an implementation's checksum
 * differs from the plain loop's.
 *
 *   npm run bench                 # every scenario
 *   npm run bench -- w1 --runs 5  # scenarios whose name starts with "w1"
 *
 * Scenarios that compare configurations of one job rather than implementations (checkpoints,
 * restore) have their own driver, which spawns its fresh processes, prints its table and fails on
 * a checksum mismatch; they are run with `--runs` passed on.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Measurement } from "./lib.js";

interface Scenario {
  id: string;
  file: string;
  impls: string[];
  sizes: (number | undefined)[];
  /** The implementation the others are compared with (ratio and checksum). Default "loop". */
  reference?: string;
  /** Extra arguments after the size. */
  args?: string[];
  /** Implementations compute different things: do not compare checksums. */
  distinctChecksums?: boolean;
  /** A published figure per implementation to compare with (an extra column). */
  external?: { label: string; values: Record<string, number> };
}

/** A scenario with its own driver script (run as `node --expose-gc --import tsx <file> --runs N`). */
interface Driver {
  id: string;
  file: string;
}

const drivers: Driver[] = [
  // checkpoint cost: W2, W3 and state growth (1k, 100k, 1M keys), none vs every 10 s vs every 1 s
  { id: "checkpoints", file: "bench/checkpoints.ts" },
  // restore vs replay after a kill -9 with open day windows
  { id: "restore", file: "bench/checkpoint-restore.ts" },
];

const scenarios: Scenario[] = [
  {
    id: "w1",
    file: "bench/w1-map-filter.ts",
    impls: ["loop", "loop-batched", "mass", "node-transform", "node-batched", "rxjs", "highland"],
    sizes: [undefined],
  },
  {
    id: "w4",
    file: "bench/w4-backpressure.ts",
    impls: ["loop", "mass", "node-transform", "rxjs"],
    sizes: [1_000_000, 4_000_000],
  },
  {
    id: "w2",
    file: "bench/w2-keyed-window.ts",
    impls: ["loop", "mass", "mass-class", "node-transform", "rxjs"],
    sizes: [undefined],
  },
  {
    // the same at 5x the size: one-time costs (JIT compilation of the fused hot paths, ~0.2 s of
    // CPU for Mass) weigh less, so this is closer to the steady-state throughput
    id: "w2-10m",
    file: "bench/w2-keyed-window.ts",
    impls: ["loop", "mass", "mass-class", "node-transform"],
    sizes: [10_000_000],
  },
  {
    id: "w3",
    file: "bench/w3-flights-window.ts",
    impls: ["loop", "mass", "mass-class", "node-transform"],
    sizes: [undefined],
  },
  {
    id: "sched1",
    file: "bench/scheduler-overhead.ts",
    impls: ["p-queue-fifo", "p-queue", "mass"],
    sizes: [100_000],
    reference: "p-queue",
    args: ["1"],
  },
  {
    id: "sched16",
    file: "bench/scheduler-overhead.ts",
    impls: ["p-queue-fifo", "p-queue", "mass"],
    sizes: [100_000],
    reference: "p-queue",
    args: ["16"],
  },
  {
    id: "graph",
    file: "bench/graph-overhead.ts",
    impls: ["await-loop", "mass-seq", "mass-all"],
    sizes: [1000],
    reference: "await-loop",
    distinctChecksums: true,
  },
  {
    id: "nexmark",
    file: "bench/nexmark.ts",
    impls: [
      "generate",
      "q0",
      "q1",
      "q2",
      "q3",
      "q3-ttl",
      "q4",
      "q4Interval",
      "q5",
      "q7",
      "q8",
      "q8Pairs",
      "q11",
      "q12",
    ],
    sizes: [undefined],
    reference: "generate",
    distinctChecksums: true,
    external: {
      label: "Flink events/s per core (nexmark GUIDE_V1)",
      values: {
        q0: 155e3,
        q1: 158e3,
        q2: 175e3,
        q3: 152e3,
        "q3-ttl": 152e3,
        q4: 34e3,
        q4Interval: 34e3,
        q5: 22e3,
        q7: 12e3,
        q8: 146e3,
        q8Pairs: 146e3,
        q11: 40e3,
        q12: 76e3,
      },
    },
  },
  {
    id: "main",
    file: "bench/main-job.ts",
    impls: ["decode-only", "job"],
    sizes: [undefined],
    reference: "decode-only",
  },
  // the project's Kafka (node --import tsx scripts/services/kafka.ts start; see bench/README.md)
  {
    id: "kafka-source",
    file: "bench/kafka-source.ts",
    impls: ["bare", "mass"],
    sizes: [1_000_000],
    reference: "bare",
  },
  // real servers: MariaDB, and Elasticsearch started by scripts/services/elasticsearch.ts (see bench/README.md)
  ...["mysql-sink", "mysql-source", "es-sink", "es-source"].map(
    (id): Scenario => ({
      id,
      file: "bench/mysql-es.ts",
      impls: [`${id}:bare`, `${id}:mass`],
      sizes: [1_000_000],
      reference: `${id}:bare`,
    }),
  ),
];

const { values, positionals } = parseArgs({
  options: { runs: { type: "string", default: "3" } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const wanted =
  positionals.length === 0 ? scenarios : scenarios.filter((s) => positionals.some((p) => s.id.startsWith(p)));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const all: Measurement[] = [];
let failed = false;
for (const d of drivers) {
  if (positionals.length > 0 && !positionals.some((p) => d.id.startsWith(p))) continue;
  console.log(`\n### ${d.id} (${d.file})\n`);
  try {
    execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", d.file, "--runs", String(runs)], {
      stdio: "inherit",
    });
  } catch {
    console.error(`${d.id}: failed (see above)`);
    failed = true;
  }
}
for (const sc of wanted) {
  for (const size of sc.sizes) {
    const rows: { impl: string; m: Measurement; rps: number; cps: number; rss: number; growth: number }[] =
      [];
    // runs interleaved (a b c, a b c, ...) so that a machine getting busier or quieter during
    // the scenario does not favour the implementations measured first
    const byImpl = new Map<string, Measurement[]>(sc.impls.map((i) => [i, []]));
    for (let r = 0; r < runs; r++) {
      for (const impl of sc.impls) {
        const out = execFileSync(
          process.execPath,
          [
            "--expose-gc",
            "--import",
            "tsx",
            sc.file,
            impl,
            ...(size === undefined ? [] : [String(size)]),
            ...(sc.args ?? []),
          ],
          { encoding: "utf8", maxBuffer: 1 << 24 },
        );
        const m = JSON.parse(out.trim().split("\n").at(-1)!) as Measurement;
        byImpl.get(impl)!.push(m);
        all.push(m);
      }
    }
    for (const impl of sc.impls) {
      const ms = byImpl.get(impl)!;
      rows.push({
        impl,
        m: ms[0],
        rps: median(ms.map((m) => m.rps)),
        cps: median(ms.map((m) => m.records / (m.cpuMs / 1000))),
        rss: median(ms.map((m) => m.peakRssMB)),
        growth: median(ms.map((m) => m.peakRssMB - m.baseRssMB)),
      });
    }
    const ref = sc.reference ?? "loop";
    const loop = rows.find((r) => r.impl === ref)!;
    console.log(
      `\n### ${loop.m.scenario} (${loop.m.records.toLocaleString("en")} records, median of ${runs})\n`,
    );
    const ext = sc.external;
    console.log(
      `| implementation | records | records/s | x ${ref} | records per CPU-s | x ${ref} (CPU) |${ext ? ` ${ext.label} | x that |` : ""} peak RSS MB | RSS growth MB | checksum |`,
    );
    console.log(`|---|---:|---:|---:|---:|---:|${ext ? "---:|---:|" : ""}---:|---:|---|`);
    for (const r of rows) {
      const ok = sc.distinctChecksums === true || r.m.checksum === loop.m.checksum;
      if (!ok) failed = true;
      const e = ext?.values[r.impl];
      const extCols = ext
        ? ` ${e === undefined ? "" : Math.round(e).toLocaleString("en")} | ${e === undefined ? "" : (r.rps / e).toFixed(1)} |`
        : "";
      console.log(
        `| ${r.impl} | ${r.m.records.toLocaleString("en")} | ${Math.round(r.rps).toLocaleString("en")} | ${(r.rps / loop.rps).toFixed(2)} | ${Math.round(r.cps).toLocaleString("en")} | ${(r.cps / loop.cps).toFixed(2)} |${extCols} ${r.rss.toFixed(0)} | ${r.growth.toFixed(0)} | ${ok ? (sc.distinctChecksums ? r.m.checksum : "ok") : `MISMATCH ${r.m.checksum}`} |`,
      );
    }
  }
}
mkdirSync("bench/results", { recursive: true });
if (all.length > 0) writeFileSync("bench/results/latest.json", JSON.stringify(all, null, 1));
console.log(`\nnode ${process.version}, ${new Date().toISOString()}; raw runs in bench/results/latest.json`);
if (failed) {
  console.error("checksum mismatch: an implementation computed a different result");
  process.exit(1);
}
