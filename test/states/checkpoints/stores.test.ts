import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CheckpointData,
  type CheckpointStore,
  ConfigError,
  directoryCheckpointStore,
  Env,
  memoryCheckpointStore,
  StateError,
} from "../../../src/index.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-ckstore-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cp = (id: number, savepoint = false, extra: Record<string, unknown> = {}): CheckpointData => ({
  id,
  savepoint,
  timestamp: 1_700_000_000_000 + id,
  job: "t",
  parts: {
    src: { kind: "source", position: id * 10 },
    win: {
      kind: "window",
      state: new Map([["k", { sum: id, big: 2n ** 70n, inf: Number.NEGATIVE_INFINITY }]]),
      watermark: id,
    },
    ...extra,
  },
});

const stores: [string, () => CheckpointStore][] = [
  ["directory", () => directoryCheckpointStore(dir)],
  ["memory", () => memoryCheckpointStore()],
];

describe.each(stores)("%s checkpoint store", (_name, make) => {
  it("round-trips parts (Map, bigint, -Infinity), newest regular one is latest()", async () => {
    const s = make();
    expect(await s.latest()).toBeUndefined();
    await s.write(cp(1));
    await s.write(cp(2));
    await s.write(cp(3, true));
    const l = await s.latest();
    expect(l?.id).toBe(2); // a savepoint is restored by location only
    expect(l?.parts).toEqual(cp(2).parts);
    const sp = (await s.list()).find((c) => c.savepoint)!;
    expect((await s.load(sp.location)).parts).toEqual(cp(3, true).parts);
    expect((await s.load("1")).id).toBe(1);
  });

  it("keeps the last N regular checkpoints; savepoints are never pruned", async () => {
    const s = make();
    for (let i = 1; i <= 7; i++) {
      await s.write(cp(i, i === 2));
      await s.prune(3);
    }
    const ids = (await s.list()).map((c) => `${c.id}${c.savepoint ? "sp" : ""}`);
    expect(ids).toEqual(["2sp", "5", "6", "7"]);
    const stored = await s.list();
    expect(stored.every((c) => c.bytes > 0)).toBe(true);
  });

  it("refuses a state v8 cannot write, naming the operator", async () => {
    const s = make();
    await expect(s.write(cp(1, false, { calc: { kind: "compute", state: { f: () => 1 } } }))).rejects.toThrow(
      /operator "calc" cannot be serialized/,
    );
    expect(await s.list()).toEqual([]);
  });

  it("load() of an unknown checkpoint is a StateError", async () => {
    const s = make();
    await expect(s.load("42")).rejects.toBeInstanceOf(StateError);
  });
});

describe("directory checkpoint store layout", () => {
  it("writes chk-<id>/ with a manifest holding each part's size and SHA-256, savepoints under savepoints/", async () => {
    const s = directoryCheckpointStore(dir);
    const a = await s.write(cp(7));
    const b = await s.write(cp(8, true));
    expect(a.location).toBe(join(dir, "chk-000000007"));
    expect(b.location).toBe(join(dir, "savepoints", "sp-000000008"));
    const m = JSON.parse(await readFile(join(a.location, "_manifest.json"), "utf8"));
    expect(Object.keys(m.parts).sort()).toEqual(["src", "win"]);
    expect(m.parts.win.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.bytes).toBe(a.bytes);
    expect((await readdir(dir)).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });

  it("a damaged part fails its checksum: latest() falls back to the one before, load() refuses it", async () => {
    const s = directoryCheckpointStore(dir);
    await s.write(cp(1));
    const bad = await s.write(cp(2));
    const m = JSON.parse(await readFile(join(bad.location, "_manifest.json"), "utf8"));
    const file = join(bad.location, m.parts.win.file);
    const buf = await readFile(file);
    buf[buf.length - 1] ^= 0xff;
    await writeFile(file, buf);
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarn);
    try {
      expect((await s.latest())?.id).toBe(1);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarn);
    }
    expect(warnings.join()).toMatch(/chk-000000002 skipped: .*operator "win".*SHA-256/);
    await expect(s.load(bad.location)).rejects.toThrow(/operator "win" .* fails its SHA-256 check/);
  });

  it("a directory without manifest is not a checkpoint; stale temp directories of dead writers are removed by prune", async () => {
    const s = directoryCheckpointStore(dir);
    await mkdir(join(dir, "chk-000000009"));
    await mkdir(join(dir, ".tmp-chk-000000010-999999-1"));
    await writeFile(join(dir, ".tmp-chk-000000010-999999-1", "p0.bin"), "half");
    await s.write(cp(3));
    expect((await s.latest())?.id).toBe(3);
    expect((await s.list()).map((c) => c.id)).toEqual([3]);
    await expect(s.load(join(dir, "chk-000000009"))).rejects.toThrow(/not a complete checkpoint/);
    await s.prune(3);
    expect((await readdir(dir)).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });
});

describe("the checkpoint option", () => {
  it("rejects a misspelt key with a suggestion, a missing store, a bad interval", () => {
    expect(() => new Env({ checkpoint: { intervalMS: 5, store: dir } as never })).toThrow(
      /did you mean "intervalMs"/,
    );
    expect(() => new Env({ checkpoint: {} as never })).toThrow(
      /checkpoint.store must be a directory path or a CheckpointStore/,
    );
    expect(() => new Env({ checkpoint: { store: dir, intervalMs: -1 } })).toThrow(ConfigError);
    expect(() => new Env({ checkpoint: { store: dir, retain: 0 } })).toThrow(
      /retain must be an integer >= 1/,
    );
    const env = new Env({ checkpoint: { store: dir } });
    expect(env.options.checkpoint?.intervalMs).toBe(10_000);
    expect(env.options.checkpoint?.retain).toBe(3);
  });

  it("run({ restore }) and stop({ savepoint }) need the option", async () => {
    const env = new Env();
    env.from([1, 2, 3]).toArray();
    await expect(env.run({ restore: true })).rejects.toThrow(/needs checkpoints/);
    await expect(env.stop({ savepoint: true })).rejects.toThrow(/needs checkpoints/);
    expect(() => env.run({ restor: true } as never)).toThrow(/did you mean "restore"/);
  });
});
