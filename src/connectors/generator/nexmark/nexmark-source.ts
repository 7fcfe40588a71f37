import { Source } from "../../../operators/source.js";
import { checkPosition, isCount } from "../../../operators/source-position.js";
import { sleep } from "../../../util/sleep.js";
import { checkInt } from "../../../util/validate.js";
import { type NexmarkConfig, NexmarkGenerator } from "./generator.js";
import type { NexmarkEvent } from "./model.js";

/** Options of {@link nexmarkSource}. */
export interface NexmarkSourceOptions extends NexmarkConfig {
  /** Events to generate. Default 1,000,000. */
  events?: number;
  /** Wall-clock rate limit, events per second. Default: as fast as downstream takes them. */
  eventsPerSecond?: number;
  /** First event number (to resume). Default 0. */
  firstEvent?: number;
}

/**
 * A bounded source of Nexmark events (deterministic for a seed), optionally rate-limited in
 * wall-clock time. Event time is each event's `dateTime`: use
 * `.withTimestamps(eventTime)` (events come in `dateTime` order).
 */
export class NexmarkSource extends Source<NexmarkEvent> {
  override name = "nexmark";
  private readonly gen: NexmarkGenerator;
  private next: number;
  private readonly end: number;
  private readonly rate: number | undefined;
  private started = 0;
  /** The event number the rate limit counts from (the first one of this run). */
  private base = 0;

  constructor(options: NexmarkSourceOptions = {}) {
    super();
    this.gen = new NexmarkGenerator(options);
    this.next = checkInt("nexmarkSource options.firstEvent", options.firstEvent ?? 0, 0);
    this.end = this.next + checkInt("nexmarkSource options.events", options.events ?? 1_000_000, 0);
    this.rate =
      options.eventsPerSecond === undefined
        ? undefined
        : checkInt("nexmarkSource options.eventsPerSecond", options.eventsPerSecond, 1);
  }

  /** Checkpoints: the number of the next event to generate (events are a pure function of it). */
  override snapshotPosition(): number {
    return this.next;
  }

  /**
   * Resumes at event number `position` (the generator is deterministic: the same events follow).
   * @throws StateError when `position` is not an integer between `firstEvent` and the last event.
   */
  override restorePosition(position: unknown): void {
    this.next = checkPosition<number>(
      this.name,
      position,
      isCount(position) && position <= this.end,
      `an event number <= ${this.end}`,
    );
  }

  async consume(size: number): Promise<NexmarkEvent[] | null> {
    if (this.next >= this.end) return null;
    let n = Math.min(size, this.end - this.next);
    if (this.rate !== undefined) {
      if (this.started === 0) {
        this.started = performance.now();
        this.base = this.next;
      }
      const allowed = Math.floor(((performance.now() - this.started) / 1000) * this.rate) + 1;
      const produced = this.next - this.base;
      if (produced >= allowed) {
        await sleep(Math.min(1000, ((produced - allowed + 1) / this.rate) * 1000));
        return [];
      }
      n = Math.min(n, allowed - produced);
    }
    const out = new Array<NexmarkEvent>(n);
    for (let i = 0; i < n; i++) out[i] = this.gen.event(this.next++);
    return out;
  }
}

/** Builds a {@link NexmarkSource}. */
export function nexmarkSource(options?: NexmarkSourceOptions): NexmarkSource {
  return new NexmarkSource(options);
}
