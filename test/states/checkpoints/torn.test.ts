import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { directoryCheckpointStore, Env } from "../../../src/index.js";
import { CountingSource, KeepAll, recordAt } from "./fixtures/growing-job.js";

let dir = "";
afterEach(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

/** Names in `dir` and, for temp directories, the files already in them. */
async function look(d: string): Promise<{ complete: string[]; tornWithParts: string | undefined }> {
  const names = await readdir(d).catch(() => [] as string[]);
  let torn: string | undefined;
  for (const n of names.filter((x) => x.startsWith(".tmp-chk-"))) {
    const files = await readdir(join(d, n)).catch(() => [] as string[]);
    if (files.some((f) => f.endsWith(".bin")) && !files.includes("_manifest.json")) torn = n;
  }
  return { complete: names.filter((n) => n.startsWith("chk-")), tornWithParts: torn };
}

it("a process kill -9'd while writing a large checkpoint: the torn one is never listed nor restored; the run restores the last complete one", async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-torn-"));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/states/checkpoints/fixtures/growing-job.ts", dir],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, sig) => resolve(sig)));
  let killedDuring: string | undefined;
  try {
    // wait for a complete checkpoint, then for a later one caught half-written (parts, no manifest)
    for (let i = 0; i < 6000 && killedDuring === undefined; i++) {
      const l = await look(dir);
      if (l.complete.length > 0 && l.tornWithParts !== undefined) {
        child.kill("SIGKILL");
        killedDuring = l.tornWithParts;
      } else await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  expect(await exited).toBe("SIGKILL");
  expect(killedDuring).toBeDefined();
  const tornId = Number(/^\.tmp-chk-(\d+)/.exec(killedDuring!)![1]);
  const after = await look(dir);
  expect(after.tornWithParts).toBeDefined(); // it is still there, half-written

  const store = directoryCheckpointStore(dir);
  const listed = await store.list();
  expect(listed.map((c) => c.id)).not.toContain(tornId);
  const latest = await store.latest();
  expect(latest).toBeDefined();
  expect(latest!.id).toBeLessThan(tornId);
  await expect(store.load(String(tornId))).rejects.toThrow(/not in directory/);

  // a new run restores the last complete checkpoint, consistent: the state holds exactly the
  // records before the source position, and the run goes on from there
  const pos = latest!.parts.src.position as number;
  expect(pos).toBeGreaterThan(0);
  const src = new CountingSource(pos + 2500);
  const keep = new KeepAll();
  const env = new Env({ batchSize: 1000, checkpoint: { intervalMs: 0, store, retain: 3 } });
  env
    .from(src, { name: "src" })
    .compute(keep, { name: "keep" })
    .to({ produce() {} } as never);
  const report = await env.run({ restore: true });
  expect(report.checkpoints?.restoredFrom).toBe(latest!.location);
  expect(src.restoredFrom).toBe(pos);
  expect(keep.seen.length).toBe(pos + 2500);
  for (const i of [0, 1, pos - 1, pos, pos + 2499]) expect(keep.seen[i]).toBe(recordAt(i));
  expect(keep.seen.every((r, i) => r === recordAt(i))).toBe(true);
}, 120_000);
