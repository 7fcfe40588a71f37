import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BucketQueue } from "../../../src/runtime/windows/bucket-queue.js";

type Op = { kind: "insert"; start: number } | { kind: "get"; start: number } | { kind: "drop"; n: number };

describe("BucketQueue (open windows sorted by start)", () => {
  it("behaves as a sorted array of windows: insert anywhere, get by start, drop the earliest (property)", () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), start: fc.integer({ min: -50, max: 200 }) }),
      fc.record({ kind: fc.constant("get" as const), start: fc.integer({ min: -50, max: 200 }) }),
      fc.record({ kind: fc.constant("drop" as const), n: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new BucketQueue<{ start: number }>();
        let model: { start: number }[] = [];
        for (const o of ops) {
          if (o.kind === "insert") {
            if (model.some((b) => b.start === o.start)) continue; // a start is opened once
            const b = { start: o.start };
            q.insert(b);
            model.push(b);
            model.sort((x, y) => x.start - y.start);
          } else if (o.kind === "get") {
            expect(q.get(o.start)).toBe(model.find((b) => b.start === o.start));
          } else {
            const n = Math.min(o.n, model.length);
            q.dropFirst(n);
            model = model.slice(n);
          }
          expect(q.size).toBe(model.length);
          for (let i = 0; i < model.length; i++) expect(q.at(i)).toBe(model[i]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
