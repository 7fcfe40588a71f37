import { describe, expect, it } from "vitest";
import { type DeadLetter, PipelineError, retry } from "../../src/index.js";
import { describeOperator, faultHandler, pipelineError, SKIP } from "../../src/runtime/fault.js";
import { newOperatorStats, newStats } from "../../src/runtime/stats.js";

function scope(aborted = false) {
  const ac = new AbortController();
  if (aborted) ac.abort(new Error("cancelled"));
  return { name: "node1", stats: newStats(), signal: ac.signal, pendingDeadLetters: [] as DeadLetter[] };
}

describe("describeOperator and pipelineError", () => {
  it("names the operator and its kind, once when they are the same", () => {
    expect(describeOperator("gate", "filter")).toBe('operator "gate" (filter)');
    expect(describeOperator("map", "map")).toBe('operator "map"');
    expect(describeOperator("x")).toBe('operator "x"');
  });

  it("says where (record or batch index), how many attempts, and what to do", () => {
    const e1 = pipelineError("n", "m", new Error("boom"), { batchIndex: 3 }, 1, "sink");
    expect(e1.message).toBe(
      "node \"n\", operator \"m\" (sink) failed on batch 3: boom. To keep going past bad records, set onError ('skip', 'dead-letter' or retry(...)) on the operator or the Env.",
    );
    expect(e1).toMatchObject({ node: "n", operator: "m", operatorKind: "sink", batchIndex: 3, attempts: 1 });
    const e2 = pipelineError("n", "m", new Error("boom"), { record: { a: 1 } }, 3);
    expect(e2.message).toMatch(/^node "n", operator "m" failed on record \{"a":1\} after 3 attempts: boom\./);
    expect(e2.operatorKind).toBeUndefined();
    expect(e2.attempts).toBe(3);
    const e3 = pipelineError("n", "m", new Error("x"), {});
    expect(e3.message).toMatch(/failed on batch \?: x/);
    expect(pipelineError("n", "m", e1, {})).toBe(e1);
  });
});

describe("faultHandler", () => {
  it("with a plain operator name: errors and dead letters name it, without a kind", () => {
    const s = scope();
    const fail = faultHandler(s, "reduce", "fail", () => 0);
    expect(() => fail(new Error("bad"), 7)).toThrow(/operator "reduce" failed on record 7: bad/);
    const dl = faultHandler(s, "reduce", "dead-letter", () => 0);
    expect(dl(new Error("bad"), 7)).toBe(SKIP);
    expect(s.pendingDeadLetters[0]).toMatchObject({
      record: 7,
      node: "node1",
      operator: "reduce",
      attempts: 1,
    });
    expect(s.pendingDeadLetters[0]).not.toHaveProperty("operatorKind");
  });

  it("with an operator ref: counts on the node and on the operator, letters carry the kind", () => {
    const s = scope();
    const stats = newOperatorStats();
    const op = { name: "gate", kind: "filter", stats };
    expect(faultHandler(s, op, "skip", () => 0)(new Error("x"), 1)).toBe(SKIP);
    expect(faultHandler(s, op, "dead-letter", () => 0)(new Error("y"), 2)).toBe(SKIP);
    expect(stats).toMatchObject({ skipped: 1, deadLettered: 1 });
    expect(s.stats).toMatchObject({ skipped: 1, deadLettered: 1 });
    expect(s.pendingDeadLetters[0]).toMatchObject({ record: 2, operator: "gate", operatorKind: "filter" });
    const err = (() => {
      try {
        faultHandler(s, op, "fail", () => 0)(new Error("z"), 3);
      } catch (e) {
        return e as PipelineError;
      }
    })();
    expect(err).toMatchObject({ operator: "gate", operatorKind: "filter", record: 3 });
  });

  it("with an operator ref that has no kind: letters and errors carry no operatorKind; counts go to its stats", () => {
    const s = scope();
    const stats = newOperatorStats();
    const op = { name: "enrich", stats };
    expect(faultHandler(s, op, "dead-letter", () => 0)(new Error("y"), 2)).toBe(SKIP);
    expect(s.pendingDeadLetters).toHaveLength(1);
    expect(s.pendingDeadLetters[0]).toMatchObject({
      record: 2,
      node: "node1",
      operator: "enrich",
      attempts: 1,
    });
    expect(s.pendingDeadLetters[0]).not.toHaveProperty("operatorKind");
    expect(stats.deadLettered).toBe(1);
    let err: unknown;
    try {
      faultHandler(s, op, "fail", () => 0)(new Error("z"), 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ operator: "enrich", record: 3 });
    expect((err as PipelineError).operatorKind).toBeUndefined();
    expect((err as Error).message).toMatch(/^node "node1", operator "enrich" failed on record 3: z\./);
  });

  it("retry: every attempt after the first counts as a retry on the node and on the operator", async () => {
    const s = scope();
    const stats = newOperatorStats();
    let calls = 0;
    const h = faultHandler(
      s,
      { name: "m", kind: "map", stats },
      retry({ attempts: 4, backoff: { delayMs: 0 } }),
      () => {
        calls++;
        throw new Error("still down");
      },
    );
    const err = await (h(new Error("down"), "r") as Promise<unknown>).catch((e) => e);
    expect(err).toMatchObject({ operator: "m", operatorKind: "map", attempts: 4 });
    expect(calls).toBe(3);
    expect(s.stats.retries).toBe(3);
    expect(stats.retries).toBe(3);
    expect(stats.skipped + stats.deadLettered).toBe(0);
  });

  it("retry: an async call that rejects is retried, and its next result is the answer", async () => {
    const s = scope();
    const stats = newOperatorStats();
    let calls = 0;
    const h = faultHandler(
      s,
      { name: "m", stats },
      retry({ attempts: 3, backoff: { delayMs: 0 } }),
      async (x) => {
        calls++;
        if (calls === 1) throw new Error("flaky");
        return `ok ${x}`;
      },
    );
    expect(await h(new Error("first"), 4)).toBe("ok 4");
    expect(calls).toBe(2);
    expect(stats.retries).toBe(2);
    expect(s.pendingDeadLetters).toHaveLength(0);
  });

  it("a batch-level handler dead-letters every record of the batch and names the batch", () => {
    const s = scope();
    const h = faultHandler(
      s,
      { name: "db", kind: "sink" },
      "dead-letter",
      () => 0,
      undefined,
      () => 5,
    );
    expect(h(new Error("down"), [1, 2, 3])).toBe(SKIP);
    expect(s.pendingDeadLetters.map((l) => l.record)).toEqual([1, 2, 3]);
    const f = faultHandler(
      s,
      { name: "db", kind: "sink" },
      "fail",
      () => 0,
      undefined,
      () => 5,
    );
    expect(() => f(new Error("down"), [1])).toThrow(/operator "db" \(sink\) failed on batch 5: down/);
  });

  it("retry: the error of the last attempt is the one reported", async () => {
    const s = scope();
    let n = 0;
    const h = faultHandler(s, "m", retry({ attempts: 3, backoff: { delayMs: 0 } }), () => {
      n++;
      throw new Error(`attempt ${n + 1}`);
    });
    const err = await (h(new Error("attempt 1"), "r") as Promise<unknown>).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as Error).message).toMatch(/after 3 attempts: attempt 3/);
    expect(s.stats.retries).toBe(2);
  });

  it("retry: an async call that resolves ends the retries with its value", async () => {
    const s = scope();
    const h = faultHandler(s, "m", retry({ attempts: 3, backoff: { delayMs: 0 } }), async (x) => `ok ${x}`);
    expect(await h(new Error("first"), 4)).toBe("ok 4");
  });

  it("once the node is aborted, the error is thrown as is (no skip, no dead letter)", () => {
    const s = scope(true);
    const err = new Error("late");
    expect(() => faultHandler(s, "m", "skip", () => 0)(err, 1)).toThrow(err);
    expect(s.stats.skipped).toBe(0);
  });

  it("a failback that throws fails with a PipelineError naming `<operator>.failback`", () => {
    const s = scope();
    const h = faultHandler(
      s,
      { name: "calc", kind: "compute" },
      "skip",
      () => 0,
      () => {
        throw new Error("failback broke");
      },
    );
    expect(() => h(new Error("x"), 9)).toThrow(
      /operator "calc\.failback" \(compute\) failed on record 9: failback broke/,
    );
  });
});
