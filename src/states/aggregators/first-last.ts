import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/**
 * First value (by arrival order, as Flink's FIRST_VALUE) of `sel(record)`; `undefined` for
 * no records. On merge (sessions), the first of the earlier-created accumulator wins.
 */
export class First<I, V = I> extends StateAggregator<I, V | undefined, { v: V | undefined; set: boolean }> {
  private v: V | undefined = undefined;
  private set = false;
  constructor(readonly sel: Selector<I, V> = identity as Selector<I, V>) {
    super();
  }
  collect(elem: I): void {
    if (!this.set) {
      this.v = this.sel(elem);
      this.set = true;
    }
  }
  yield(): V | undefined {
    return this.v;
  }
  snapshot() {
    return { v: this.v, set: this.set };
  }
  restore(s: { v: V | undefined; set: boolean }): void {
    this.v = s.v;
    this.set = s.set;
  }
  override merge(other: First<I, V>): void {
    if (!this.set && other.set) this.restore(other.snapshot());
  }
  override clone(): this {
    const c = new First(this.sel);
    c.v = this.v;
    c.set = this.set;
    return c as this;
  }
}

/** Last value (by arrival order) of `sel(record)`; on merge, `other`'s last wins when it has one. */
export class Last<I, V = I> extends StateAggregator<I, V | undefined, { v: V | undefined; set: boolean }> {
  private v: V | undefined = undefined;
  private set = false;
  constructor(readonly sel: Selector<I, V> = identity as Selector<I, V>) {
    super();
  }
  collect(elem: I): void {
    this.v = this.sel(elem);
    this.set = true;
  }
  yield(): V | undefined {
    return this.v;
  }
  snapshot() {
    return { v: this.v, set: this.set };
  }
  restore(s: { v: V | undefined; set: boolean }): void {
    this.v = s.v;
    this.set = s.set;
  }
  override merge(other: Last<I, V>): void {
    if (other.set) this.restore(other.snapshot());
  }
  override clone(): this {
    const c = new Last(this.sel);
    c.v = this.v;
    c.set = this.set;
    return c as this;
  }
}

/** `first(sel)`: first value by arrival. */
export function first<I, V = I>(sel?: Selector<I, V>): First<I, V> {
  return new First(sel);
}

/** `last(sel)`: last value by arrival. */
export function last<I, V = I>(sel?: Selector<I, V>): Last<I, V> {
  return new Last(sel);
}
