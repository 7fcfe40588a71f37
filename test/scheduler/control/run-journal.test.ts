import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EndedRun, RunJournal } from "../../../src/scheduler/control/run-journal.js";
import type { LifecycleEvent, RunStatus } from "../../../src/scheduler/index.js";

const ev = (runId: string, status: RunStatus, occurAt: number, attempt = 1): LifecycleEvent => ({
  type: "lifecycle",
  id: runId.split(":")[0],
  runId,
  status,
  msg: `${status} at ${occurAt}`,
  occurAt,
  attempt,
});

/** The reference: a plain list, scanned in full. */
function reference(events: LifecycleEvent[], capacity: number): EndedRun[] {
  const starts = new Map<string, number>();
  let ended: EndedRun[] = [];
  for (const e of events) {
    if (e.status === "running") {
      if (!starts.has(e.runId)) starts.set(e.runId, e.occurAt);
      ended = ended.filter((x) => x.runId !== e.runId);
    } else if (e.status === "finished" || e.status === "failed" || e.status === "stopped") {
      ended = ended.filter((x) => x.runId !== e.runId);
      const startTime = starts.get(e.runId);
      ended.push({
        taskId: e.id,
        runId: e.runId,
        status: e.status,
        msg: e.msg,
        attempt: e.attempt,
        startTime,
        endTime: e.occurAt,
        durationMs: startTime === undefined ? 0 : e.occurAt - startTime,
      });
      while (ended.length > capacity) {
        const [gone] = ended.splice(0, 1);
        starts.delete(gone.runId);
      }
    }
  }
  return ended.reverse();
}

describe("RunJournal", () => {
  it("keeps the last ended runs newest first; a retried run leaves the history until it ends again", () => {
    const j = new RunJournal(2);
    j.record(ev("a:1", "init", 0));
    j.record(ev("a:1", "running", 10));
    j.record(ev("a:1", "failed", 20)); // attempt 1 failed, a retry follows
    expect(j.list().map((e) => e.runId)).toEqual(["a:1"]);
    j.record(ev("a:1", "running", 30, 2));
    expect(j.list()).toEqual([]);
    j.record(ev("a:1", "finished", 40, 2));
    expect(j.get("a:1")).toMatchObject({
      status: "finished",
      startTime: 10,
      endTime: 40,
      durationMs: 30,
      attempt: 2,
    });
    j.record(ev("b:1", "running", 50));
    j.record(ev("b:1", "stopped", 55));
    j.record(ev("c:1", "stopped", 60)); // dropped before it started
    expect(j.list().map((e) => e.runId)).toEqual(["c:1", "b:1"]);
    expect(j.get("a:1")).toBeUndefined();
    expect(j.get("c:1")).toMatchObject({ startTime: undefined, durationMs: 0 });
    expect(j.recent(1).map((e) => e.runId)).toEqual(["c:1"]);
    expect(j.recent(5, (e) => e.status === "stopped" && e.taskId === "b").map((e) => e.runId)).toEqual([
      "b:1",
    ]);
  });

  it("a run pushed out of the history forgets its start time", () => {
    const j = new RunJournal(1);
    for (const e of [ev("a:1", "running", 0), ev("a:1", "finished", 10), ev("b:1", "stopped", 20)])
      j.record(e);
    expect(j.get("a:1")).toBeUndefined();
    j.record(ev("a:1", "stopped", 30)); // e.g. a late duplicate: no stale start time
    expect(j.get("a:1")).toMatchObject({ startTime: undefined, durationMs: 0 });
  });

  it("equals a plain-list reference for any event sequence (capacity, retries, compaction)", () => {
    const status = fc.constantFrom<RunStatus>("init", "running", "paused", "finished", "failed", "stopped");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), status), { maxLength: 200, size: "max" }),
        (capacity, steps) => {
          const events = steps.map(([run, s], t) => ev(`t${run % 3}:${run}`, s, t * 10));
          const j = new RunJournal(capacity);
          for (const e of events) j.record(e);
          const want = reference(events, capacity);
          expect(j.list()).toEqual(want);
          for (const e of want) expect(j.get(e.runId)).toEqual(e);
        },
      ),
      { numRuns: 300 },
    );
  });
});
