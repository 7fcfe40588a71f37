import { AsyncIterableX } from "ix/asynciterable/asynciterablex";
import { filter, map } from "ix/asynciterable/operators";
import { toArray } from "ix/asynciterable/toarray";
import { describe, expect, it } from "vitest";
import { type LifecycleEvent, Scheduler, type SchedulerEvent } from "../../src/scheduler/index.js";

describe("scheduler.events() as an IxJS AsyncIterableX", () => {
  it("users filter and map events with IxJS operators", async () => {
    const s = new Scheduler({ concurrency: 1 });
    const events = s.events();
    expect(events).toBeInstanceOf(AsyncIterableX);
    const failedRuns = toArray(
      events.pipe(
        filter((e: SchedulerEvent): e is LifecycleEvent => e.type === "lifecycle" && e.status === "failed"),
        map((e: LifecycleEvent) => `${e.id}:${e.attempt}`),
      ),
    );
    const h = s.spawnTask(
      {
        executor(input: number) {
          if (input % 2 === 1) throw new Error(`odd ${input}`);
        },
      },
      { id: "parity", overlap: "allow" },
    );
    for (let i = 0; i < 5; i++) h.sched(i);
    await s.start();
    await s.idle();
    await s.stop();
    expect(await failedRuns).toEqual(["parity:1", "parity:1"]);
  });

  it("the buffer is bounded: a slow consumer gets the newest events and a count of the dropped ones", async () => {
    const s = new Scheduler({ eventBuffer: 3, concurrency: 1 });
    const events = s.events();
    const h = s.spawnTask({ executor: () => {} }, { id: "t", overlap: "allow" });
    for (let i = 0; i < 4; i++) h.sched(i); // 4 runs x (init, running, finished) = 12 events
    await s.start();
    await s.idle();
    await s.stop();
    const got = await toArray(events);
    expect(got.map((e) => (e as LifecycleEvent).status)).toEqual(["finished", "running", "finished"]);
    expect(events.dropped).toBe(9);
  });

  it("breaking out of the loop unsubscribes; the iterator is done", async () => {
    const s = new Scheduler();
    const events = s.events();
    s.spawnTask({ executor: () => {} }, { id: "t" }).sched();
    await s.start();
    let first: SchedulerEvent | undefined;
    for await (const e of events) {
      first = e;
      break;
    }
    expect(first).toMatchObject({ type: "lifecycle", id: "t", status: "init" });
    await s.idle();
    expect(await events.next()).toEqual({ value: undefined, done: true });
    await s.stop();
  });
});
