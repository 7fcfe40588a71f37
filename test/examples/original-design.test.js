// The original design's example (Mass v2's README, "范例" and "API 语法糖"), in JavaScript as it
// was written: a scheduler subclass with a failback() override, MassTask / MassStreamTask
// subclasses, taskId / taskName / taskDescription, at_every, sched, bootstrap, a stream task
// whose streamProcessExecutor awaits a mutate/filter/record pipeline and then chains
// .window().agg() with .use(GroupByStateAggregator, elem => elem.name).sum(), and the `means`
// sugar of streams and state generators. The placeholders of the original (`env.from()`,
// `createEmailContent()`) are filled with small in-memory data; results are checked against
// plain loops.
import { describe, expect, it } from "vitest";
import { ArraySink, Env, GroupByStateAggregator, StateGenerator, tumbling } from "../../src/index.js";
import { MassStreamTask, MassTask, MassTaskScheduler, VirtualClock } from "../../src/scheduler/index.js";
import { Max } from "../../src/states/aggregators/min-max.js";

const orders = [
  { id: 1, qty: 2, price: 5 },
  { id: 2, qty: 0, price: 9 },
  { id: 3, qty: 1, price: 7 },
  { id: 4, qty: 3, price: 1 },
];
const names = ["ann", "bob", "cyd"];
const clicks = Array.from({ length: 60 }, (_, i) => ({
  ts: i * 97,
  name: names[(i * 7) % 3],
  n: (i % 5) + 1,
}));

describe("the original design's example runs as written", () => {
  it("MassTaskScheduler subclass with failback(), MassTask at_every, MassStreamTask sched, bootstrap", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const sent = [];
    const audit = [];
    const paid = new ArraySink();
    const perName = new ArraySink();
    let mailServerUp = false;

    const createEmailContent = async () => ({ subject: "daily report", body: `${audit.length} orders` });
    const getEmailConfig = () => ({ to: "ops@example.com" });
    const mailSender = async (email, config) => {
      if (!mailServerUp) throw new Error("connect ECONNREFUSED 127.0.0.1:25");
      sent.push({ ...email, ...config });
    };

    class MyScheduler extends MassTaskScheduler {
      discarded = [];
      // the original leaves the strategy to the user: revive the mail sender's dead tasks, drop the others
      async failback() {
        const revived = [];
        for (const dead of this.deadLetters.list()) {
          if (dead.taskId === "0") revived.push(await this.deadLetters.replay(dead.id));
          else {
            this.discarded.push(dead.taskId);
            await this.deadLetters.discard(dead.id);
          }
        }
        return revived;
      }
    }

    const scheduler = new MyScheduler({ clock });

    class MyTask extends MassTask {
      // biome-ignore lint/correctness/noUnusedFunctionParameters: the original's signature, as written
      async executor(input, proceed, bus) {
        const email = await createEmailContent();
        const config = getEmailConfig();
        await mailSender(email, config);
      }
    }

    scheduler
      .spawnTask(MyTask, {
        taskId: 0x00,
        taskName: "mail-sender",
        taskDescription: "a task run at every 9:00 am",
      })
      .at_every("0 9 * * *");

    class MyStreamTask extends MassStreamTask {
      // biome-ignore lint/correctness/noUnusedFunctionParameters: the original's signature, as written
      async streamProcessExecutor(env, bus) {
        await env
          .from(orders)
          .mutate((order) => {
            order.total = order.qty * order.price;
          })
          .filter((order) => order.total > 0)
          .record((order) => audit.push(order.id))
          .to(paid);

        const windowedStream = env
          .from(clicks)
          .withTimestamps((click) => click.ts)
          .window(tumbling(1000))
          .agg();
        windowedStream.use(GroupByStateAggregator, (elem) => elem.name).sum((elem) => elem.n);

        await windowedStream.to(perName);
      }
    }

    scheduler.spawnTask(MyStreamTask, { taskId: 0x01 }).sched();

    class Flaky extends MassTask {
      async executor() {
        throw new Error("not today");
      }
    }
    scheduler.spawnTask(Flaky, { taskId: 0x02, taskName: "flaky" }).sched();

    await scheduler.bootstrap();
    await scheduler.idle();

    // the stream task: mutate + filter + record, then windows grouped by name and summed
    expect(paid.records.map((o) => [o.id, o.total])).toEqual([
      [1, 10],
      [3, 7],
      [4, 3],
    ]);
    expect(audit).toEqual([1, 3, 4]);
    const expected = new Map();
    for (const c of clicks) {
      const start = c.ts - (c.ts % 1000);
      const groups = expected.get(start) ?? new Map();
      groups.set(c.name, (groups.get(c.name) ?? 0) + c.n);
      expected.set(start, groups);
    }
    expect(perName.records.map((r) => [r.window.start, r.window.end, r.value])).toEqual(
      [...expected].map(([start, groups]) => [
        start,
        start + 1000,
        [...groups].map(([key, value]) => ({ key, value })),
      ]),
    );

    // 9:00 comes once in the next 24 hours (whatever the process's time zone): the mail server is down
    await clock.advance(24 * 3600 * 1000);
    await scheduler.idle();
    expect(sent).toEqual([]);
    expect(
      scheduler.deadLetters
        .list()
        .map((d) => d.taskId)
        .sort(),
    ).toEqual(["0", "2"]);

    // failback() as the subclass wrote it: the mail goes out, the other dead task is discarded
    mailServerUp = true;
    const revived = await scheduler.failback();
    await scheduler.idle();
    expect(revived).toHaveLength(1);
    expect(sent).toEqual([{ subject: "daily report", body: "3 orders", to: "ops@example.com" }]);
    expect(scheduler.discarded).toEqual(["2"]);
    expect(scheduler.deadLetters.list()).toEqual([]);
    await scheduler.stop();
  });

  it("the default failback() replays every dead letter once", async () => {
    const scheduler = new MassTaskScheduler();
    let calls = 0;
    class Once extends MassTask {
      async executor(input) {
        if (++calls === 1) throw new Error(`first try of ${input}`);
        return input;
      }
    }
    scheduler.spawnTask(Once, { taskId: "once" }).sched("x");
    await scheduler.bootstrap();
    await scheduler.idle();
    expect(scheduler.deadLetters.list()).toHaveLength(1);
    expect(await scheduler.failback()).toHaveLength(1);
    await scheduler.idle();
    expect(calls).toBe(2);
    expect(scheduler.deadLetters.list()).toEqual([]);
    await scheduler.stop();
  });

  it("the means sugar: stream.means(fn) and a state generator's means(); user sugar the same way", async () => {
    expect(await new Env().from([2, 4, 9]).means().toArray()).toEqual([2, 3, 5]);

    const env = new Env();
    const windowed = env
      .from(clicks)
      .withTimestamps((c) => c.ts)
      .window(tumbling(2000))
      .agg();
    windowed.use(GroupByStateAggregator, "name").means((c) => c.n);
    // a user's own sugar, written as the original's `StateGenerator.prototype.means`
    StateGenerator.prototype.maxes = function (sel) {
      return this.use(Max, sel);
    };
    const windowedMax = env
      .from(clicks)
      .withTimestamps((c) => c.ts)
      .window(tumbling(2000))
      .agg();
    windowedMax.use(GroupByStateAggregator, "name").maxes((c) => c.n);
    const [means, maxes] = await Promise.all([windowed.toArray(), windowedMax.toArray()]);
    delete StateGenerator.prototype.maxes;

    const ref = new Map();
    for (const c of clicks) {
      const start = c.ts - (c.ts % 2000);
      const g = ref.get(start) ?? new Map();
      const s = g.get(c.name) ?? { sum: 0, n: 0, max: Number.NEGATIVE_INFINITY };
      g.set(c.name, { sum: s.sum + c.n, n: s.n + 1, max: Math.max(s.max, c.n) });
      ref.set(start, g);
    }
    expect(means.map((r) => r.value)).toEqual(
      [...ref.values()].map((g) => [...g].map(([key, s]) => ({ key, value: s.sum / s.n }))),
    );
    expect(maxes.map((r) => r.value)).toEqual(
      [...ref.values()].map((g) => [...g].map(([key, s]) => ({ key, value: s.max }))),
    );
  });
});
