import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Snapshot of {@link First} and {@link Last}: the value held and whether one was seen. */
export interface HeldValue<V> {
  v: V | undefined;
  set: boolean;
}

/** One value picked from the records (`First`, `Last`): they differ only in which one they keep. */
abstract class Held<I, V> extends StateAggregator<I, V | undefined, HeldValue<V>> {
  protected v: V | undefined = undefined;
  protected set = false;
  constructor(readonly sel: Selector<I, V> = identity as Selector<I, V>) {
    super();
  }
  yield(): V | undefined {
    return this.v;
  }
  override snapshot(): HeldValue<V> {
    return { v: this.v, set: this.set };
  }
  override restore(s: HeldValue<V>): void {
    this.v = s.v;
    this.set = s.set;
  }
  override clone(): this {
    const c = new (this.constructor as new (sel: Selector<I, V>) => this)(this.sel);
    c.v = this.v;
    c.set = this.set;
    return c;
  }
}

/**
 * First value (by arrival order, as Flink's FIRST_VALUE) of `sel(record)`; `undefined` for
 * no records. On merge (sessions), the first of the earlier-created accumulator wins.
 */
export class First<I, V = I> extends Held<I, V> {
  collect(elem: I): void {
    if (!this.set) {
      this.v = this.sel(elem);
      this.set = true;
    }
  }
  override merge(other: First<I, V>): void {
    if (!this.set && other.set) this.restore(other.snapshot());
  }
}

/** Last value (by arrival order) of `sel(record)`; on merge, `other`'s last wins when it has one. */
export class Last<I, V = I> extends Held<I, V> {
  collect(elem: I): void {
    this.v = this.sel(elem);
    this.set = true;
  }
  override merge(other: Last<I, V>): void {
    if (other.set) this.restore(other.snapshot());
  }
}

/** `first(sel)`: first value by arrival. */
export function first<I, V = I>(sel?: Selector<I, V>): First<I, V> {
  if (sel !== undefined) checkFunction("first(sel)", sel);
  return new First(sel);
}

/** `last(sel)`: last value by arrival. */
export function last<I, V = I>(sel?: Selector<I, V>): Last<I, V> {
  if (sel !== undefined) checkFunction("last(sel)", sel);
  return new Last(sel);
}
