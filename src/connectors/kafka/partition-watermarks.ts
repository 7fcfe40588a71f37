import type { PartitionState } from "./partition-state.js";

/**
 * The Kafka source's event-time watermark, as Flink's KafkaSource computes it: per partition
 * `maxTs - outOfOrdernessMs - 1` over the records handed out; the source's watermark is the
 * minimum over its **active** assigned partitions. A partition is idle when it held no buffered
 * record and handed out none for `idleTimeoutMs` (0: never idle); an idle partition is left out
 * of the minimum, so a silent partition does not hold windows back. An active partition that
 * has handed out nothing yet holds the watermark back (no watermark) until it goes idle. When
 * every partition is idle (nothing buffered, nothing new anywhere) it moves to the greatest
 * partition watermark, so the last windows of a quiet topic fire (Flink would mark the source
 * idle and hold them until data comes). In bounded mode a partition read to its end (e.g. one
 * restored at its end offset, or empty) is left out of the minimum, as Flink leaves finished
 * splits out. The result never goes back.
 * @internal
 */
export class PartitionWatermarks {
  private current = Number.NEGATIVE_INFINITY;

  /**
   * @param outOfOrdernessMs - bound on out-of-orderness within a partition, ms.
   * @param idleTimeoutMs - silence after which a partition is idle, ms; 0 = never.
   */
  constructor(
    private readonly outOfOrdernessMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Whether `p` counts as idle at `now`. */
  isIdle(p: PartitionState, now: number): boolean {
    return this.idleTimeoutMs > 0 && p.buffered === 0 && now - p.lastActive >= this.idleTimeoutMs;
  }

  /**
   * The watermark over `partitions` (the assigned ones) at processing time `now`, epoch ms, or
   * `undefined` while there is none (an active partition that has handed out nothing yet, or no
   * partition at all).
   */
  compute(partitions: Iterable<PartitionState>, now: number): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let active = 0;
    for (const p of partitions) {
      const wm = p.maxTs - this.outOfOrdernessMs - 1;
      if (wm > max) max = wm;
      // bounded mode: a partition read to its end holds nothing back (Flink's finished splits)
      if (this.isIdle(p, now) || p.reachedEnd) continue;
      active++;
      if (wm < min) min = wm;
    }
    // every partition idle: nothing is pending anywhere, the most advanced one sets it
    const next = active > 0 ? min : max;
    if (next > this.current) this.current = next;
    return Number.isFinite(this.current) ? this.current : undefined;
  }
}
