import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileStore, Scheduler, type TaskBus } from "../../src/scheduler/index.js";

describe("crash safety of the file store", () => {
  it("a process killed with SIGKILL mid-run leaves a readable store, its dead letters, and catch-up fires after restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mass-crash-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/scheduler/fixtures/crash-child.ts", dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));

    // readable: valid JSON with the dead letter intact
    const raw = JSON.parse(await readFile(join(dir, "mass-scheduler.json"), "utf8"));
    expect(raw.version).toBe(1);
    expect(raw.deadLetters).toHaveLength(1);
    expect(raw.deadLetters[0]).toMatchObject({
      taskId: "bad",
      input: { order: 17 },
      error: { message: "poison message" },
    });
    expect(raw.deadLetters[0].error.stack).toContain("poison message");
    const lastTick = raw.fires.tick as number;
    expect(typeof lastTick).toBe("number");
    expect(typeof raw.checkpoints.busy.i).toBe("number");

    // restart later: missed ticks are caught up, dead letters are still there and replayable
    await new Promise((r) => setTimeout(r, 400));
    const s = new Scheduler({ store: fileStore(dir) });
    const caughtUp: number[] = [];
    s.spawnTask(
      { executor: (_i: unknown, _p: unknown, bus: TaskBus) => void caughtUp.push(bus.firedAt) },
      { id: "tick", catchUp: "all", overlap: "queue" },
    ).every(100);
    const replayed: unknown[] = [];
    s.spawnTask({ executor: (input: unknown) => void replayed.push(input) }, { id: "bad" });
    await s.start();
    expect(s.deadLetters.list()).toHaveLength(1);
    await s.deadLetters.replay(s.deadLetters.list()[0].id);
    await s.idle();
    expect(caughtUp.length).toBeGreaterThanOrEqual(3);
    expect(caughtUp[0]).toBe(lastTick + 100);
    // fire times after the last one stored, in order, none twice, none in the future (no bound
    // from the kill: a loaded machine may restart late)
    const checkedAt = Date.now();
    expect(caughtUp.every((t, i) => t > lastTick && t <= checkedAt && (i === 0 || t > caughtUp[i - 1]))).toBe(
      true,
    );
    expect(replayed).toEqual([{ order: 17 }]);
    expect(s.deadLetters.list()).toHaveLength(0);
    await s.stop();
    const after = JSON.parse(await readFile(join(dir, "mass-scheduler.json"), "utf8"));
    expect(after.deadLetters).toEqual([]);
  }, 60_000);
});
