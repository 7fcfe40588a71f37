import type { StateAggregator } from "../../states/state-aggregator.js";
import type { AckToken } from "../ack.js";

/**
 * The state of one (key, window): its accumulators and the ack tokens of the source batches
 * whose records it holds (one reference each, given back when the window fires or is purged:
 * a record is acknowledged only once a result containing it was written).
 * @internal
 */
export interface WinState {
  readonly aggs: StateAggregator<unknown, unknown>[];
  toks: AckToken[] | null;
  lastAcks: AckToken[] | null;
}

/** A fresh state from the templates. @internal */
export function newWinState(templates: StateAggregator<unknown, unknown>[]): WinState {
  const aggs = new Array<StateAggregator<unknown, unknown>>(templates.length);
  for (let i = 0; i < templates.length; i++) aggs[i] = templates[i].clone();
  return { aggs, toks: null, lastAcks: null };
}

/** Folds one record in, taking a reference on its batch's tokens once per state. @internal */
export function collectInto(st: WinState, record: unknown, acks: AckToken[] | null): void {
  const aggs = st.aggs;
  for (let i = 0; i < aggs.length; i++) aggs[i].collect(record);
  if (acks !== null && st.lastAcks !== acks) {
    st.lastAcks = acks;
    st.toks ??= [];
    for (let i = 0; i < acks.length; i++) {
      acks[i].refs++;
      st.toks.push(acks[i]);
    }
  }
}

/** Folds `from` into `into` (session merge): accumulators merged, tokens moved. @internal */
export function mergeInto(into: WinState, from: WinState): void {
  for (let i = 0; i < into.aggs.length; i++) {
    const a = into.aggs[i];
    if (a.merge === undefined) throw new Error("internal: session windows need merge()");
    a.merge(from.aggs[i]);
  }
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

/** Clones the templates into fresh accumulators. @internal */
export function freshAggs(
  templates: StateAggregator<unknown, unknown>[],
): StateAggregator<unknown, unknown>[] {
  const aggs = new Array<StateAggregator<unknown, unknown>>(templates.length);
  for (let i = 0; i < templates.length; i++) aggs[i] = templates[i].clone();
  return aggs;
}

/** A frozen window bounds object (shared by all results of one window). @internal */
export function bounds(start: number, end: number): Readonly<{ start: number; end: number }> {
  return Object.freeze({ start, end });
}

/** Releases the state's token references (purge without output). @internal */
export function releaseState(st: WinState): void {
  if (st.toks !== null) for (const t of st.toks) t.release();
  st.toks = null;
  st.lastAcks = null;
}
