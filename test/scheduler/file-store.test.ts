import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { emptyState, fileStore, memoryStore, type StoreState } from "../../src/scheduler/index.js";
import { toJson } from "../../src/scheduler/store/to-json.js";

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "mass-file-store-"));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function sample(): StoreState {
  const s = emptyState();
  s.data.t = { n: 3, list: [1, "a", null] };
  s.checkpoints.t = { at: 7 };
  s.fires.t = 1_700_000_000_000;
  s.deadLetters.push({
    id: "d1",
    taskId: "t",
    runId: "r1",
    input: { x: 1 },
    error: { name: "Error", message: "boom" },
    attempts: 2,
    firstFailureAt: 1,
    lastFailureAt: 2,
  });
  return s;
}

describe("fileStore", () => {
  it("starts empty in a directory it creates, and names the file it keeps", async () => {
    const dir = join(await tempDir(), "a", "b");
    const store = fileStore(dir);
    expect(store.name).toBe(join(dir, "mass-scheduler.json"));
    expect(await store.load()).toEqual(emptyState());
    expect(await readdir(dir)).toEqual([]);
  });

  it("what a save wrote is what the next load (of a new store on the same directory) returns", async () => {
    const dir = await tempDir();
    await fileStore(dir).save(sample());
    expect(await fileStore(dir).load()).toEqual(sample());
    // the file is the whole state as JSON, and no temporary file is left behind
    expect(JSON.parse(await readFile(join(dir, "mass-scheduler.json"), "utf8"))).toEqual(sample());
    expect(await readdir(dir)).toEqual(["mass-scheduler.json"]);
  });

  it.runIf(existsSync("/proc/self/fd"))(
    "saves close every file they open (the temporary file and the directory)",
    async () => {
      const dir = await tempDir();
      const store = fileStore(dir);
      await store.save(sample()); // warm up: lazily opened handles of node itself
      const open = async () => (await readdir("/proc/self/fd")).length;
      const before = await open();
      for (let i = 0; i < 20; i++) await store.save(sample());
      expect(await open()).toBe(before);
    },
  );

  it("a save replaces the previous state entirely", async () => {
    const dir = await tempDir();
    const store = fileStore(dir);
    await store.save(sample());
    const next = emptyState();
    next.data.u = { k: "v" };
    await store.save(next);
    expect(await store.load()).toEqual(next);
  });

  it("a store written before graphs existed loads with the fields it lacks filled in", async () => {
    const dir = await tempDir();
    const old = { version: 1, data: { t: { n: 1 } }, checkpoints: {}, deadLetters: [], fires: {} };
    await writeFile(join(dir, "mass-scheduler.json"), JSON.stringify(old));
    expect(await fileStore(dir).load()).toEqual({ ...old, graphs: {} });
  });

  it("a file that is not a store fails the load with a ConnectorError naming the file", async () => {
    const dir = await tempDir();
    const path = join(dir, "mass-scheduler.json");
    await writeFile(path, "{not json");
    const err = await fileStore(dir)
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).message).toContain(
      `file store: "${path}" is not a valid scheduler store: `,
    );
    expect((err as ConnectorError).connector).toBe("file-store");
    expect((err as { file?: string }).file).toBe(path);
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it("a store of another version is refused, not read as this one", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "mass-scheduler.json"), JSON.stringify({ ...emptyState(), version: 2 }));
    await expect(fileStore(dir).load()).rejects.toThrow(/is not a valid scheduler store: unknown version 2/);
  });

  it("a file that cannot be read fails the load with the system error (not as an empty store)", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "mass-scheduler.json"));
    await expect(fileStore(dir).load()).rejects.toMatchObject({ code: "EISDIR" });
  });
});

describe("memoryStore", () => {
  it("load returns what was saved last, starting from an empty state", async () => {
    const store = memoryStore();
    expect(store.name).toBe("memory");
    expect(await store.load()).toEqual(emptyState());
    const s = sample();
    await store.save(s);
    expect(await store.load()).toBe(s);
  });
});

describe("toJson", () => {
  it("undefined is null, JSON values are copied, other values take their JSON or string form", () => {
    expect(toJson(undefined)).toBeNull();
    const input = { a: [1, { b: "c" }], d: undefined };
    const j = toJson(input);
    expect(j).toEqual({ a: [1, { b: "c" }] });
    expect(j).not.toBe(input);
    expect(toJson(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(toJson(10n)).toBe("10");
    const cyclic: { self?: unknown; toString(): string } = { toString: () => "cyclic!" };
    cyclic.self = cyclic;
    expect(toJson(cyclic)).toBe("cyclic!");
  });
});
