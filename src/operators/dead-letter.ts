import type { Logger } from "../util/logger.js";
import { Sink } from "./sink.js";

/**
 * A record that could not be processed and was set aside by a `'dead-letter'` policy
 * (directly, or after the attempts of a `retry` policy).
 */
export interface DeadLetter {
  /** The record (or raw input, for a source's malformed line) that failed. */
  readonly record: unknown;
  /** The last error. */
  readonly error: Error;
  /** Physical node name. */
  readonly node: string;
  /** Operator (stage) name inside the node. */
  readonly operator: string;
  /** The operator's kind (`map`, `filter`, `sink`, `source`...), where known. */
  readonly operatorKind?: string;
  /** Attempts made (1 without retries). */
  readonly attempts: number;
  /** When it was dead-lettered, epoch ms. */
  readonly at: number;
}

/**
 * The default `env.deadLetters`: keeps dead letters in memory (the newest `maxKept`, default
 * 10,000) and counts all of them. Past `maxKept` the oldest are let go from memory, counted in
 * `evicted` and logged once, so a job with many bad records stays in bounded memory.
 */
export class MemoryDeadLetters extends Sink<DeadLetter> {
  override name = "dead-letters";
  /** The kept dead letters, oldest first. */
  readonly letters: DeadLetter[] = [];
  /** Every dead letter received. */
  count = 0;
  /** Dead letters let go from memory because more than `maxKept` arrived. */
  evicted = 0;

  /**
   * @param maxKept - how many to keep in memory, default 10,000.
   * @param logger - where the one eviction warning goes.
   */
  constructor(
    readonly maxKept = 10_000,
    private readonly logger?: Logger,
  ) {
    super();
  }

  produce(elems: DeadLetter[]): void {
    for (const d of elems) {
      this.count++;
      this.letters.push(d);
    }
    if (this.letters.length > this.maxKept) {
      const extra = this.letters.length - this.maxKept;
      this.letters.splice(0, extra);
      if (this.evicted === 0) {
        this.logger?.warn(
          { maxKept: this.maxKept },
          "more dead letters than maxKept: the oldest are evicted from memory (set env.deadLetters to a durable Sink to keep them all)",
        );
      }
      this.evicted += extra;
    }
  }
}
