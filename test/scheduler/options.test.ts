import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { ArraySink, type Env } from "../../src/index.js";
import { type Proceed, Scheduler, StreamTask, Task, type TaskBus } from "../../src/scheduler/index.js";

describe("strict task and scheduler options", () => {
  it("an unknown task option key is a ConfigError naming the closest valid one", () => {
    const s = new Scheduler();
    const spawn = (options: object) => () => s.spawnTask({ executor: () => {} }, options);
    expect(spawn({ priorty: 3 })).toThrow(ConfigError);
    expect(spawn({ priorty: 3 })).toThrow(
      'spawnTask(task, options): unknown option "priorty" (did you mean "priority"?)',
    );
    expect(spawn({ timeout: 10 })).toThrow(/unknown option "timeout" \(did you mean "timeoutMs"\?\)/);
    expect(spawn({ retry: { attemps: 3 } })).toThrow(
      'spawnTask options.retry: unknown option "attemps" (did you mean "attempts"?)',
    );
    expect(spawn({ taskid: "x" })).toThrow(/did you mean "taskId"\?/);
    let err: unknown;
    try {
      spawn({ priorty: 3 })();
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).option).toBe("spawnTask(task, options).priorty");
  });

  it("unknown scheduler and stop() option keys are ConfigErrors too", async () => {
    expect(() => new Scheduler({ concurency: 2 } as object)).toThrow(
      'new Scheduler(options): unknown option "concurency" (did you mean "concurrency"?)',
    );
    const s = new Scheduler();
    await s.start();
    expect(() => s.stop({ timeoutMS: 5 } as object)).toThrow(/did you mean "timeoutMs"\?/);
    await s.stop();
  });

  it("the original spellings taskId / taskName / taskDescription are aliases; a numeric id becomes a string", async () => {
    const s = new Scheduler();
    let seen: string | undefined;
    const h = s.spawnTask(
      {
        executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          seen = bus.taskId;
        },
      },
      { taskId: 0x00, taskName: "mail-sender", taskDescription: "a task run at every 9:00 am" },
    );
    expect([h.id, h.name, h.description]).toEqual(["0", "mail-sender", "a task run at every 9:00 am"]);
    h.sched();
    await s.start();
    await s.idle();
    expect(seen).toBe("0");
    expect(() => s.spawnTask({ executor: () => {} }, { id: "a", taskId: "b" })).toThrow(
      /"id" and its alias "taskId" are both given; keep one/,
    );
    expect(() => s.spawnTask({ executor: () => {} }, { taskId: 1.5 })).toThrow(
      /options.id must be a non-empty string or an integer, got 1.5/,
    );
    await s.stop();
  });

  it("the original configuration style: spawnTask(Task, { executor }) and spawnTask(StreamTask, { streamProcessExecutor })", async () => {
    const s = new Scheduler();
    const got: unknown[] = [];
    const sink = new ArraySink<number>();
    s.spawnTask(Task as unknown as new () => Task, {
      taskId: "plain",
      async executor(input: unknown) {
        got.push(input);
      },
    }).sched("hello");
    s.spawnTask(StreamTask as unknown as new () => StreamTask, {
      taskId: "stream",
      streamProcessExecutor(env: Env) {
        env
          .from([1, 2, 3])
          .map((x) => x * 10)
          .to(sink);
      },
    }).sched();
    await s.start();
    await s.idle();
    expect(got).toEqual(["hello"]);
    expect(sink.records).toEqual([10, 20, 30]);
    expect(() => s.spawnTask(Task as unknown as new () => Task, { taskId: "none" })).toThrow(
      /task "none" has no executor/,
    );
    expect(() =>
      s.spawnTask(Task as unknown as new () => Task, { taskId: "x", streamProcessExecutor() {} }),
    ).toThrow(/needs a StreamTask class/);
    await s.stop();
  });
});
