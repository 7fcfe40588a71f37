/**
 * Mutation testing of the files where a bug loses or duplicates records (docs/testing.md,
 * "Mutation testing"): runs Stryker once per file set, one set after the other (each set has
 * `stryker.<set>.config.json` and a vitest config limited to the tests that cover its files),
 * then prints the score of every file from the JSON reports in `reports/mutation/`.
 *
 *   npm run mutation                 # every set
 *   npm run mutation -- acks store   # only these sets
 *   npm run mutation -- --report     # no run: the table of the last reports
 *
 * The `connectors-mysql` set needs MariaDB (started if it is not running), `connectors-es`
 * starts Elasticsearch on `MASS_TEST_ES_PORT` (or uses `MASS_TEST_ES_URL`); both use
 * `MASS_SERVICES_CACHE` as the integration tests do. Not part of `npm test`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The file sets, in the order `npm run mutation` runs them. */
export const SETS = [
  "acks",
  "faults",
  "windows",
  "store",
  "connectors",
  "connectors-mysql",
  "connectors-es",
  "kafka",
] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** One file's counts in a Stryker JSON report (mutation-testing-report-schema). */
export interface FileScore {
  file: string;
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  /** Mutants that did not compile or crashed the runner (left out of the score, as Stryker does). */
  errors: number;
  /** Mutants disabled with a `// Stryker disable` comment. */
  ignored: number;
  /** (killed + timeout) / (killed + timeout + survived + noCoverage), in percent. */
  score: number;
}

interface Report {
  files: Record<string, { mutants: { status: string }[] }>;
}

/** The per-file scores of one Stryker JSON report. */
export function scores(report: Report): FileScore[] {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const n = (s: string) => mutants.filter((m) => m.status === s).length;
      const killed = n("Killed");
      const timeout = n("Timeout");
      const survived = n("Survived");
      const noCoverage = n("NoCoverage");
      const valid = killed + timeout + survived + noCoverage;
      return {
        file,
        killed,
        survived,
        noCoverage,
        timeout,
        errors: n("CompileError") + n("RuntimeError"),
        ignored: n("Ignored"),
        score: valid === 0 ? 100 : (100 * (killed + timeout)) / valid,
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** A markdown table of the scores of every set that has a report. */
export function table(sets: readonly string[]): string {
  const rows = [
    "| set | file | killed | survived | no coverage | timeout | ignored | score |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const set of sets) {
    const path = join(root, "reports", "mutation", `${set}.json`);
    if (!existsSync(path)) {
      rows.push(`| ${set} | (no report) | | | | | | |`);
      continue;
    }
    for (const s of scores(JSON.parse(readFileSync(path, "utf8")) as Report)) {
      rows.push(
        `| ${set} | ${s.file} | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.timeout} | ${s.ignored} | ${s.score.toFixed(1)}% |`,
      );
    }
  }
  return rows.join("\n");
}

function main(argv: string[]): number {
  const reportOnly = argv.includes("--report");
  const named = argv.filter((a) => !a.startsWith("--"));
  for (const s of named) {
    if (!(SETS as readonly string[]).includes(s)) {
      process.stderr.write(`mutation: unknown set "${s}"; known: ${SETS.join(", ")}\n`);
      return 2;
    }
  }
  const sets = named.length > 0 ? named : [...SETS];
  let status = 0;
  if (!reportOnly) {
    for (const set of sets) {
      const r = spawnSync("npx", ["stryker", "run", `stryker.${set}.config.json`], {
        cwd: root,
        stdio: "inherit",
      });
      if (r.status !== 0) {
        process.stderr.write(`mutation: set "${set}" failed (exit ${r.status})\n`);
        status = 1;
      }
    }
  }
  process.stdout.write(`${table(sets)}\n`);
  return status;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
