import { getEventListeners } from "node:events";
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

/** Whether `p` has settled once every pending microtask and I/O callback ran (no timer, no clock). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise<void>((r) => setImmediate(r));
  return done;
}

describe("OffsetLedger: counters, repeated acks and waiting for the drain", () => {
  it("emitted counts records handed out (not rejected ones), acknowledged the highest position acked", () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    expect([l.emitted, l.acknowledged, l.drained]).toEqual([0, 0, true]);
    l.handOut(3, [[a, 3]]);
    l.handOut(0, [[a, 4]]); // rejected: not handed out
    l.handOut(2, [[a, 6]]);
    expect([l.emitted, l.acknowledged, l.drained]).toEqual([5, 0, false]);
    l.ack(3);
    expect([l.emitted, l.acknowledged, l.drained]).toEqual([5, 3, false]);
    l.ack(5);
    expect([l.emitted, l.acknowledged, l.drained]).toEqual([5, 5, true]);
  });

  it("an ack below the position already acknowledged moves nothing back", () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    l.handOut(2, [[a, 2]]);
    l.handOut(2, [[a, 4]]);
    l.ack(4);
    expect(l.ack(2)).toEqual([]);
    expect([l.acknowledged, l.drained, a.acked]).toEqual([4, true, 4]);
  });

  it("a mark at or below the acknowledged offset neither lowers it nor counts as an advance (no commit)", () => {
    // e.g. a bounded partition whose fetched records were all past the end: the next batch
    // carries the same offset again; or, exactly-once, a partition assigned again read from an
    // older committed offset while a batch of the earlier assignment was still in flight
    const a = new PartitionState("t", 0);
    const b = new PartitionState("t", 1);
    const l = new OffsetLedger();
    l.handOut(3, [[a, 10]]);
    l.handOut(1, [
      [a, 10],
      [b, 1],
    ]);
    l.handOut(2, [[a, 6]]);
    expect(l.ack(3)).toEqual([a]);
    expect(l.ack(4)).toEqual([b]);
    expect(a.acked).toBe(10);
    expect(l.ack(6)).toEqual([]);
    expect(a.acked).toBe(10);
  });

  it("with a long queue acknowledged batch by batch, every partition ends at its last offset and the ledger lets go of handled batches", () => {
    const parts = [0, 1, 2].map((i) => new PartitionState("t", i));
    const l = new OffsetLedger();
    const n = 5000;
    // batch k: one record of partition k % 3 at offset floor(k / 3)
    for (let k = 0; k < n; k++) l.handOut(1, [[parts[k % 3], Math.floor(k / 3) + 1]]);
    const wrong: number[] = [];
    for (let k = 1; k <= n; k++) {
      const adv = l.ack(k);
      const p = parts[(k - 1) % 3];
      if (adv.length !== 1 || adv[0] !== p || p.acked !== Math.floor((k - 1) / 3) + 1) wrong.push(k);
    }
    expect(wrong).toEqual([]);
    expect(parts.map((p) => p.acked)).toEqual([1667, 1667, 1666]);
    expect(l.drained).toBe(true);
    // a long-running source must not keep every batch it ever handed out (memory grows with
    // the records read): handled batches are dropped once they exceed 1024 and half the queue
    const held = (l as unknown as { queue: unknown[] }).queue.length;
    expect(held).toBeLessThanOrEqual(1024);
    // and it goes on after the queue was compacted
    l.handOut(2, [[parts[0], 1669]]);
    expect(l.ack(n + 1)).toEqual([]);
    expect(l.ack(n + 2)).toEqual([parts[0]]);
    expect(parts[0].acked).toBe(1669);
  });

  it("whenDrained resolves at once when nothing is waiting for its ack, also a second time", async () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    expect(await settled(l.whenDrained())).toBe(true);
    l.handOut(1, [[a, 1]]);
    const first = l.whenDrained();
    expect(await settled(first)).toBe(false);
    l.ack(1);
    expect(await settled(first)).toBe(true);
    expect(await settled(l.whenDrained())).toBe(true);
    // more records, a second wait, and acks after it: each waiter runs once, acks go on
    l.handOut(2, [[a, 3]]);
    const second = l.whenDrained();
    l.ack(2);
    expect(await settled(second)).toBe(false);
    expect(() => l.ack(3)).not.toThrow();
    expect(await settled(second)).toBe(true);
    expect(() => l.ack(3)).not.toThrow();
    l.handOut(1, [[a, 4]]);
    expect(() => l.ack(4)).not.toThrow();
    expect(a.acked).toBe(4);
  });

  it("whenDrained with a signal: waits while it is not aborted, resolves at once when it already is", async () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    l.handOut(1, [[a, 1]]);
    const live = new AbortController();
    expect(await settled(l.whenDrained(live.signal))).toBe(false);
    const aborted = new AbortController();
    aborted.abort();
    expect(await settled(l.whenDrained(aborted.signal))).toBe(true);
  });

  it("whenDrained removes its abort listener once it resolves (one signal for a whole run)", async () => {
    const a = new PartitionState("t", 0);
    const l = new OffsetLedger();
    const ac = new AbortController();
    for (let i = 1; i <= 3; i++) {
      l.handOut(1, [[a, i]]);
      const w = l.whenDrained(ac.signal);
      expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
      l.ack(i);
      await w;
      expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
    }
    l.handOut(1, [[a, 4]]);
    const w = l.whenDrained(ac.signal);
    ac.abort();
    await w;
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });
});
