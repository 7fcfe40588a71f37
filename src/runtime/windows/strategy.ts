import type { AckToken } from "../ack.js";

/** What a window strategy calls back into its node. @internal */
export interface WindowContext {
  /** Current watermark (event time) or processing time. */
  readonly watermark: number;
  /** Allowed lateness in ms. */
  readonly lateness: number;
  /**
   * Emits the result of `key` in `window` (a frozen `{ start, end }`, shared by the results of
   * one window) with result timestamp `ts`.
   */
  fire(key: unknown, window: Readonly<{ start: number; end: number }>, state: unknown, ts: number): void;
  /**
   * Emits the result of every key of one window in `window` with timestamp `ts`, in order:
   * `slots[i].key` with state `states[i]` for `i < n`. `last`: the states are purged right after and never
   * read again, so their results may be built in place (see `AggPlan.lastWindowResult`).
   */
  fireWindow(
    slots: readonly { readonly key: unknown }[],
    states: readonly unknown[],
    n: number,
    window: Readonly<{ start: number; end: number }>,
    ts: number,
    last: boolean,
  ): void;
  /** Hands token references (one each) to the results emitted next; they are released once those are written. */
  ackWith(tokens: AckToken[]): void;
  /** A record past allowed lateness: side output or counted. */
  late(record: unknown, ts: number): void;
  /** A record in no window at all (a gap between sliding windows): counted, not late. */
  unassigned(record: unknown): void;
  /** `onEveryRecord()`: emit a window's updated result after each record. */
  readonly eachRecord: boolean;
}

/**
 * One window kind's state and firing rules (tumbling/sliding, session, count, global).
 * @internal
 */
export interface WindowStrategy {
  /** Assigns and folds in one record of `key` at time `ts`. */
  add(key: unknown, record: unknown, ts: number, acks: AckToken[] | null): void;
  /**
   * `add` for records `from..to-1` of a batch, each under the key `keyFn(record)` (`keyFn` null
   * for a non-keyed window: key `undefined`).
   * @throws KeyFailure when `keyFn` threw for a record: the records before it are folded in,
   *   nothing of it or after it.
   */
  addBatch(
    keyFn: ((record: unknown) => unknown) | null,
    records: unknown[],
    ts: number[],
    from: number,
    to: number,
    acks: AckToken[] | null,
  ): void;
  /** Fires (and purges, past lateness) every window with `end - 1 <= wm`. */
  advance(wm: number): void;
  /** End of input (watermark +Infinity): fires every remaining window. */
  fireAll(): void;
  /** Earliest time at which a window will fire, for processing-time timers. */
  nextFireTime(): number;
  /** Number of (key, window) states held. */
  stateCount(): number;
  /** Emits the current result of every window not fired yet (early firing; no acks). */
  fireOpen(): void;
  /**
   * The windows' state as plain data for a checkpoint: every open (key, window) with its
   * accumulator (`AggPlan.snapshotState`), fired flags and timers, in the order they fire. Ack
   * tokens are not part of it: the records they stand for are before the checkpoint's source
   * positions.
   */
  snapshot(): unknown;
  /**
   * Replaces the (empty) state by a {@link WindowStrategy.snapshot}.
   * @param node - the node's name, for errors.
   * @throws StateError when `s` does not have this strategy's shape.
   */
  restore(s: unknown, node: string): void;
}

/**
 * The key selector threw for record `index` of a batch given to {@link WindowStrategy.addBatch}
 * (the records before it are folded in): the node lets its fault policy decide, then goes on
 * after it.
 * @internal
 */
export class KeyFailure {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {}
}

/**
 * The key of `records[i]` (`undefined` without a key selector).
 * @throws KeyFailure when the key selector throws.
 * @internal
 */
export function keyOf(keyFn: ((record: unknown) => unknown) | null, records: unknown[], i: number): unknown {
  if (keyFn === null) return undefined;
  try {
    return keyFn(records[i]);
  } catch (err) {
    throw new KeyFailure(i, err);
  }
}
