import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OffsetLedger, PartitionState } from "../../../src/connectors/kafka/partition-state.js";

describe("OffsetLedger: ack(position) -> longest acknowledged prefix per partition", () => {
  it("advances each partition to the offset after its last record in the acknowledged batches", () => {
    const a = new PartitionState("t", 0);
    const b = new PartitionState("t", 1);
    const l = new OffsetLedger();
    l.handOut(3, [
      [a, 10],
      [b, 5],
    ]);
    l.handOut(2, [[a, 12]]);
    l.handOut(4, [[b, 9]]);
    expect(l.ack(2)).toEqual([]); // inside the first batch: nothing is fully handled
    expect(a.acked).toBe(-1);
    expect(l.ack(5)).toEqual([a, b]);
    expect([a.acked, b.acked]).toEqual([12, 5]);
    expect(l.drained).toBe(false);
    expect(l.ack(9)).toEqual([b]);
    expect([a.acked, b.acked]).toEqual([12, 9]);
    expect(l.drained).toBe(true);
  });

  it("ignores acknowledgements of records handed out before the partition was revoked", () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    l.handOut(2, [[a, 2]]);
    a.epoch++; // revoked (and perhaps assigned again): the new owner commits
    l.handOut(1, [[a, 7]]);
    expect(l.ack(2)).toEqual([]);
    expect(a.acked).toBe(-1);
    expect(l.ack(3)).toEqual([a]);
    expect(a.acked).toBe(7);
  });

  it("applies marks of a batch that was all rejected only once everything before it is acknowledged", () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    l.handOut(2, [[a, 2]]);
    l.handOut(0, [[a, 3]]); // offset 2 undecodable, dead-lettered
    expect(l.settleOrphans()).toEqual([]);
    l.ack(2);
    expect(a.acked).toBe(2);
    expect(l.settleOrphans()).toEqual([a]);
    expect(a.acked).toBe(3);
  });

  it("carries orphan marks into the next batch handed out", () => {
    const a = new PartitionState("t", 0);
    const b = new PartitionState("t", 1);
    const l = new OffsetLedger();
    l.handOut(1, [[a, 1]]);
    l.handOut(0, [[b, 4]]);
    l.handOut(1, [[a, 2]]);
    l.ack(1);
    expect(b.acked).toBe(-1);
    l.ack(2);
    expect([a.acked, b.acked]).toEqual([2, 4]);
  });

  it("whenDrained resolves once every record handed out is acknowledged, or on abort", async () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    l.handOut(4, [[a, 4]]);
    let done = false;
    const w = l.whenDrained().then(() => {
      done = true;
    });
    l.ack(3);
    await Promise.resolve();
    expect(done).toBe(false);
    l.ack(4);
    await w;
    expect(done).toBe(true);
    l.handOut(1, [[a, 5]]);
    const ac = new AbortController();
    const w2 = l.whenDrained(ac.signal);
    ac.abort();
    await w2;
    expect(l.drained).toBe(false);
  });

  it("property: matches a reference loop over records (random batches, partitions, rejections, acks)", () => {
    const arb = fc.record({
      // each record: partition index, whether it is rejected (dead-lettered, not handed out)
      records: fc.array(fc.record({ p: fc.integer({ min: 0, max: 3 }), bad: fc.boolean() }), {
        maxLength: 80,
      }),
      cuts: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 30 }),
    });
    fc.assert(
      fc.property(arb, ({ records, cuts }) => {
        const parts = [0, 1, 2, 3].map((i) => new PartitionState("t", i));
        const next = [0, 0, 0, 0];
        const l = new OffsetLedger();
        // slice records into consume() calls
        const calls: { handed: number; marks: Map<number, number>; offsets: [number, number][] }[] = [];
        let i = 0;
        let c = 0;
        while (i < records.length) {
          const size = cuts[c++ % cuts.length];
          const marks = new Map<number, number>();
          const offsets: [number, number][] = [];
          let handed = 0;
          for (const r of records.slice(i, i + size)) {
            const off = next[r.p]++;
            marks.set(r.p, off + 1);
            offsets.push([r.p, off]);
            if (!r.bad) handed++;
          }
          i += size;
          calls.push({ handed, marks, offsets });
          l.handOut(
            handed,
            [...marks].map(([p, n]) => [parts[p], n] as const),
          );
        }
        // acknowledge the whole stream call by call, settling orphans as the source does
        let pos = 0;
        for (const call of calls) {
          pos += call.handed;
          l.ack(pos);
          l.settleOrphans();
        }
        // reference: every record handled -> each partition acked up to the offset after its last record
        for (let p = 0; p < 4; p++) expect(parts[p].acked).toBe(next[p] === 0 ? -1 : next[p]);
        return true;
      }),
    );
  });

  it("property: after acknowledging a prefix, no partition is past a record of that partition outside it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }), { maxLength: 30 }),
        fc.nat(),
        (batches, cut) => {
          const parts = [0, 1, 2].map((i) => new PartitionState("t", i));
          const next = [0, 0, 0];
          const l = new OffsetLedger();
          const ends: number[] = [];
          const firstUnacked = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
          const perBatch: [number, number][][] = [];
          let pos = 0;
          for (const b of batches) {
            const marks = new Map<number, number>();
            const offs: [number, number][] = [];
            for (const p of b) {
              offs.push([p, next[p]]);
              marks.set(p, ++next[p]);
            }
            pos += b.length;
            ends.push(pos);
            perBatch.push(offs);
            l.handOut(
              b.length,
              [...marks].map(([p, n]) => [parts[p], n] as const),
            );
          }
          const k = batches.length === 0 ? 0 : cut % (batches.length + 1);
          const ackPos = k === 0 ? 0 : ends[k - 1];
          // the runtime may ack at any position inside a batch too: use one record more when possible
          const at = ackPos + (k < batches.length && batches[k].length > 1 ? 1 : 0);
          l.ack(at);
          for (let j = k; j < perBatch.length; j++)
            for (const [p, off] of perBatch[j]) firstUnacked[p] = Math.min(firstUnacked[p], off);
          for (let p = 0; p < 3; p++) {
            // committing acked must never skip a record that was not acknowledged
            expect(parts[p].acked).toBeLessThanOrEqual(firstUnacked[p]);
            if (firstUnacked[p] === Number.POSITIVE_INFINITY)
              expect(parts[p].acked).toBe(next[p] === 0 ? -1 : next[p]);
          }
          return true;
        },
      ),
    );
  });
});
