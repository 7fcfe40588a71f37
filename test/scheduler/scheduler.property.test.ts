import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStore, Scheduler, type TaskBus, VirtualClock } from "../../src/scheduler/index.js";

describe("scheduler properties", () => {
  it("never more than `concurrency` running; a higher priority never waits behind a lower one that started later", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            priority: fc.integer({ min: 0, max: 3 }),
            duration: fc.integer({ min: 1, max: 50 }),
            at: fc.integer({ min: 0, max: 100 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 4 }),
        async (jobs, concurrency) => {
          const clock = new VirtualClock();
          const t0 = clock.now();
          const s = new Scheduler({ clock, concurrency });
          let running = 0;
          let peak = 0;
          const log: { i: number; priority: number; queuedAt: number; startedAt: number }[] = [];
          const handles = [0, 1, 2, 3].map((p) =>
            s.spawnTask(
              {
                async executor(input: { i: number; queuedAt: number }) {
                  running++;
                  peak = Math.max(peak, running);
                  log.push({
                    i: input.i,
                    priority: p,
                    queuedAt: input.queuedAt,
                    startedAt: clock.now() - t0,
                  });
                  await new Promise<void>((r) => clock.setTimeout(r, jobs[input.i].duration));
                  running--;
                },
              },
              { id: `p${p}`, priority: p, overlap: "allow" },
            ),
          );
          await s.start();
          const order = jobs.map((j, i) => ({ ...j, i })).sort((a, b) => a.at - b.at);
          for (const j of order) {
            await clock.advanceTo(t0 + j.at);
            handles[j.priority].sched({ i: j.i, queuedAt: clock.now() - t0 });
          }
          await clock.advance(10_000);
          await s.stop();
          expect(log).toHaveLength(jobs.length);
          expect(peak).toBeLessThanOrEqual(concurrency);
          for (const a of log) {
            for (const b of log) {
              // b (lower priority) started after a (higher) was queued, while a was still waiting
              if (a.priority > b.priority && b.startedAt > a.queuedAt && b.startedAt < a.startedAt) {
                throw new Error(
                  `priority ${a.priority} (queued ${a.queuedAt}) waited behind priority ${b.priority} started at ${b.startedAt}`,
                );
              }
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("the store holds exactly the writes of successful runs; retries and dead letters follow the policy", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 3 }),
        async (failuresBeforeSuccess, attempts) => {
          // run i fails its first failuresBeforeSuccess[i] attempts
          const store = memoryStore();
          const clock = new VirtualClock();
          const s = new Scheduler({ clock, store, concurrency: 3 });
          const calls = new Map<number, number>();
          const h = s.spawnTask(
            {
              executor(i: number, _p: unknown, bus: TaskBus) {
                const n = (calls.get(i) ?? 0) + 1;
                calls.set(i, n);
                bus.store.set(`k${i}`, n);
                bus.store.set(`attempt-${i}-${n}`, true);
                if (n <= failuresBeforeSuccess[i]) throw new Error(`run ${i} attempt ${n}`);
              },
            },
            { id: "w", overlap: "allow", retry: { attempts, backoff: { type: "fixed", delayMs: 10 } } },
          );
          await s.start();
          for (let i = 0; i < failuresBeforeSuccess.length; i++) h.sched(i);
          await clock.advance(10_000);
          await s.idle();
          await s.stop();
          const state = await store.load();
          const committed = state.data.w ?? {};
          const ok = failuresBeforeSuccess.map((f) => f < attempts);
          const expected: Record<string, unknown> = {};
          failuresBeforeSuccess.forEach((f, i) => {
            if (!ok[i]) return;
            expected[`k${i}`] = f + 1;
            expected[`attempt-${i}-${f + 1}`] = true;
          });
          expect(committed).toEqual(expected);
          failuresBeforeSuccess.forEach((f, i) => {
            expect(calls.get(i)).toBe(Math.min(f + 1, attempts));
          });
          const dead = state.deadLetters.map((d) => d.input).sort();
          expect(dead).toEqual(
            failuresBeforeSuccess
              .map((f, i) => (f >= attempts ? i : -1))
              .filter((i) => i >= 0)
              .sort(),
          );
          for (const d of state.deadLetters) expect(d.attempts).toBe(attempts);
        },
      ),
      { numRuns: 80 },
    );
  });
});
