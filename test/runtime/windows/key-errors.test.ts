import { describe, expect, it } from "vitest";
import {
  countWindow,
  Env,
  list,
  type MemoryDeadLetters,
  retry,
  session,
  tumbling,
  type WindowAssigner,
} from "../../../src/index.js";

interface Ev {
  id: number;
  t: number;
}
/** 30 records, 100 ms apart, keys "even" / "odd"; the key selector throws for ids 4, 13 and 22. */
const events: Ev[] = Array.from({ length: 30 }, (_, id) => ({ id, t: id * 100 }));
const BAD = new Set([4, 13, 22]);
const key = (r: Ev) => {
  if (BAD.has(r.id)) throw new Error(`no key for ${r.id}`);
  return r.id % 2 === 0 ? "even" : "odd";
};

const assigners: [string, () => WindowAssigner][] = [
  ["tumbling", () => tumbling(1000)],
  ["session", () => session(150)],
  ["count", () => countWindow(4)],
];

/** Ids per key over all results, sorted. */
async function idsByKey(env: Env, assigner: WindowAssigner, keyFn: (r: Ev) => string) {
  const out = env
    .from(events)
    .withTimestamps((r) => r.t)
    .keyBy(keyFn)
    .window(assigner)
    .agg({ ids: list((r: Ev) => r.id) })
    .toArray();
  const report = await env.run();
  const by: Record<string, number[]> = {};
  for (const r of await out) {
    const k = r.key as string;
    by[k] ??= [];
    by[k].push(...r.ids);
  }
  for (const k of Object.keys(by)) by[k].sort((a, b) => a - b);
  return { by, report };
}

const ids = (pred: (id: number) => boolean) => events.map((e) => e.id).filter(pred);

describe("a key selector that throws inside a window node goes through the fault policy", () => {
  for (const [kind, assigner] of assigners) {
    for (const batchSize of [1, 7, 1024]) {
      it(`${kind} windows, batchSize ${batchSize}: skip drops only those records, the others are all folded in`, async () => {
        const { by, report } = await idsByKey(new Env({ batchSize, onError: "skip" }), assigner(), key);
        // count windows of 4 leave partial windows at the end: they fire at end of input too
        expect(by.even).toEqual(ids((id) => id % 2 === 0 && !BAD.has(id)));
        expect(by.odd).toEqual(ids((id) => id % 2 === 1 && !BAD.has(id)));
        expect(report.nodes.reduce((s, n) => s + n.skipped, 0)).toBe(3);
      });
    }

    it(`${kind} windows: dead-letter keeps the records that had no key, naming keyBy`, async () => {
      const env = new Env({ batchSize: 7, onError: "dead-letter" });
      const { by } = await idsByKey(env, assigner(), key);
      expect([...by.even, ...by.odd].sort((a, b) => a - b)).toEqual(ids((id) => !BAD.has(id)));
      const letters = (env.deadLetters as MemoryDeadLetters).letters;
      expect(letters.map((l) => [(l.record as Ev).id, l.operator, l.operatorKind])).toEqual([
        [4, "keyBy", "keyBy"],
        [13, "keyBy", "keyBy"],
        [22, "keyBy", "keyBy"],
      ]);
    });

    it(`${kind} windows: a retry that succeeds folds the record in under the key it got`, async () => {
      const failed = new Set<number>();
      const flaky = (r: Ev) => {
        if (BAD.has(r.id) && !failed.has(r.id)) {
          failed.add(r.id);
          throw new Error("once");
        }
        return r.id % 2 === 0 ? "even" : "odd";
      };
      const env = new Env({ batchSize: 7, onError: retry({ attempts: 2, backoff: { delayMs: 0 } }) });
      const { by, report } = await idsByKey(env, assigner(), flaky);
      expect(by.even).toEqual(ids((id) => id % 2 === 0));
      expect(by.odd).toEqual(ids((id) => id % 2 === 1));
      expect(report.nodes.reduce((s, n) => s + n.retries, 0)).toBe(3);
    });
  }

  it("'fail' fails the run naming the key selector", async () => {
    const env = new Env({ batchSize: 7 });
    const out = env
      .from(events)
      .withTimestamps((r) => r.t)
      .keyBy(key)
      .window(tumbling(1000))
      .agg({ ids: list((r: Ev) => r.id) })
      .toArray();
    await expect(env.run()).rejects.toThrow(/keyBy.*no key for 4|no key for 4/);
    await out.catch(() => {});
  });
});
