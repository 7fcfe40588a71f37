import type { AckToken } from "../ack.js";
import type { AggPlan } from "./agg-plan.js";

/**
 * The state of one (key, window) for strategies that keep tokens per state (sessions, count
 * and global windows): the plan's opaque accumulator and the ack tokens of the source batches
 * whose records it holds (one reference each, handed to the output when the window fires: a
 * record is acknowledged only once a result containing it was written).
 * @internal
 */
export interface WinState {
  readonly acc: unknown;
  toks: AckToken[] | null;
  lastAcks: AckToken[] | null;
}

/** A fresh state. @internal */
export function newWinState(plan: AggPlan): WinState {
  return { acc: plan.newState(), toks: null, lastAcks: null };
}

/** Folds one record in, taking a reference on its batch's tokens once per state. @internal */
export function collectInto(plan: AggPlan, st: WinState, record: unknown, acks: AckToken[] | null): void {
  plan.collect(st.acc, record);
  if (
    acks !== null &&
    // Stryker disable next-line ConditionalExpression: a second reference on the same batch is handed over or released with the first
    st.lastAcks !== acks
  ) {
    st.lastAcks = acks;
    st.toks ??= [];
    for (let i = 0; i < acks.length; i++) {
      acks[i].refs++;
      st.toks.push(acks[i]);
    }
  }
}

/** Folds `from` into `into` (session merge): accumulators merged, tokens moved. @internal */
export function mergeInto(plan: AggPlan, into: WinState, from: WinState): void {
  plan.merge(into.acc, from.acc);
  if (from.toks !== null) {
    into.toks ??= [];
    for (const t of from.toks) into.toks.push(t);
    from.toks = null;
  }
  into.lastAcks = null;
}

/** Moves the state's token references to the context's next output. @internal */
export function handOver(st: WinState, ctx: { ackWith(tokens: AckToken[]): void }): void {
  if (st.toks !== null) ctx.ackWith(st.toks);
  st.toks = null;
  st.lastAcks = null;
}

/** A frozen window bounds object (shared by all results of one window). @internal */
export function bounds(start: number, end: number): Readonly<{ start: number; end: number }> {
  return Object.freeze({ start, end });
}

/**
 * Releases the state's token references (purge without output). Every caller hands a state's
 * tokens over ({@link handOver}) before, so there are none left today: kept so that a purge
 * without output never holds a batch's acknowledgement forever.
 * @internal
 */
// Stryker disable next-line BlockStatement: no caller leaves tokens in a state it purges (see above)
export function releaseState(st: WinState): void {
  if (st.toks !== null) for (const t of st.toks) t.release();
  st.toks = null;
  st.lastAcks = null;
}
