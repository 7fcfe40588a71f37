import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Graph, Scheduler, VirtualClock } from "../../../src/scheduler/index.js";

/** Random DAGs: node i may depend on any nodes before it; nodes are added in a shuffled order. */
const dagArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          ups: fc.subarray(Array.from({ length: i }, (_, j) => j)),
          duration: fc.integer({ min: 0, max: 30 }),
          fails: fc.boolean(),
          optional: fc.boolean(),
        }),
      ),
    ),
    insertion: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
  }),
);

describe("graph properties (random DAGs)", () => {
  it("every node runs after all its upstreams, exactly once per instance; inputs are the upstream outputs; slots and maxParallel hold", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArb,
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        async ({ nodes, insertion }, concurrency, maxParallel, instances) => {
          const clock = new VirtualClock();
          const s = new Scheduler({ clock, concurrency });
          let tick = 0;
          let running = 0;
          let peak = 0;
          const log = new Map<string, { node: number; start: number; end: number; input: unknown }[]>();
          const g = new Graph("dag", maxParallel === undefined ? {} : { maxParallel });
          for (const i of insertion) {
            const spec = nodes[i];
            g.node(
              `n${i}`,
              {
                async executor(input: unknown, _p: unknown, bus: { graph?: { instanceId: string } }) {
                  const start = ++tick;
                  running++;
                  peak = Math.max(peak, running);
                  await new Promise<void>((r) => clock.setTimeout(r, spec.duration));
                  running--;
                  const runs = log.get(bus.graph!.instanceId) ?? [];
                  runs.push({ node: i, start, end: ++tick, input });
                  log.set(bus.graph!.instanceId, runs);
                  if (spec.fails) throw new Error(`n${i} fails`);
                  return { from: i };
                },
              },
              { after: spec.ups.map((u) => `n${u}`), optional: spec.optional },
            );
          }
          const h = s.spawnGraph(g);
          await s.start();
          const ids = Array.from({ length: instances }, (_, k) => h.sched(k));
          await clock.advance(100_000);
          // the model: a node runs iff every upstream ran and succeeded (or is optional)
          const runs: boolean[] = [];
          for (let i = 0; i < nodes.length; i++)
            runs[i] = nodes[i].ups.every((u) => runs[u] && (!nodes[u].fails || nodes[u].optional));
          const failed = nodes.some((n, i) => runs[i] && n.fails && !n.optional);
          for (const id of ids) {
            const done = await h.whenDone(id);
            expect(done.status).toBe(failed ? "failed" : "succeeded");
            const got = log.get(id) ?? [];
            expect(got.map((r) => r.node).sort((a, b) => a - b)).toEqual(
              nodes.map((_, i) => i).filter((i) => runs[i]),
            );
            const byNode = new Map(got.map((r) => [r.node, r]));
            for (const r of got) {
              const spec = nodes[r.node];
              for (const u of spec.ups) expect(byNode.get(u)!.end).toBeLessThan(r.start);
              const expected =
                spec.ups.length === 0
                  ? ids.indexOf(id)
                  : Object.fromEntries(
                      spec.ups.map((u) => [`n${u}`, nodes[u].fails ? undefined : { from: u }]),
                    );
              expect(r.input).toEqual(expected);
            }
            for (let i = 0; i < nodes.length; i++) {
              const st = done.nodes[`n${i}`].status;
              if (!runs[i]) expect(st).toBe("skipped");
              else expect(st).toBe(nodes[i].fails ? "failed" : "succeeded");
            }
          }
          expect(peak).toBeLessThanOrEqual(Math.min(concurrency, maxParallel ?? Number.POSITIVE_INFINITY));
          await s.stop();
        },
      ),
      { numRuns: 60 },
    );
  });
});
