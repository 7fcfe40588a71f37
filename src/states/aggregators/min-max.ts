import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Smallest (`Min`) or largest (`Max`) `sel(record)`; `Infinity` / `-Infinity` for no records (as `Math.min()`). */
abstract class Extreme<I> extends StateAggregator<I, number, number> {
  protected v: number;
  constructor(
    readonly sel: Selector<I, number>,
    initial: number,
  ) {
    super();
    this.v = initial;
  }
  yield(): number {
    return this.v;
  }
  override snapshot(): number {
    return this.v;
  }
  override restore(s: number): void {
    this.v = s;
  }
}

/** Minimum of `sel(record)`. */
export class Min<I> extends Extreme<I> {
  constructor(sel: Selector<I, number> = identity as Selector<I, number>) {
    super(sel, Number.POSITIVE_INFINITY);
  }
  collect(elem: I): void {
    const x = this.sel(elem);
    if (x < this.v) this.v = x;
  }
  override merge(other: Min<I>): void {
    if (other.v < this.v) this.v = other.v;
  }
  override clone(): this {
    const c = new Min(this.sel);
    c.v = this.v;
    return c as this;
  }
}

/** Maximum of `sel(record)`. */
export class Max<I> extends Extreme<I> {
  constructor(sel: Selector<I, number> = identity as Selector<I, number>) {
    super(sel, Number.NEGATIVE_INFINITY);
  }
  collect(elem: I): void {
    const x = this.sel(elem);
    if (x > this.v) this.v = x;
  }
  override merge(other: Max<I>): void {
    if (other.v > this.v) this.v = other.v;
  }
  override clone(): this {
    const c = new Max(this.sel);
    c.v = this.v;
    return c as this;
  }
}

/** `min(sel)`: smallest `sel(record)`. */
export function min<I>(sel?: Selector<I, number>): Min<I> {
  if (sel !== undefined) checkFunction("min(sel)", sel);
  return new Min(sel);
}

/** `max(sel)`: largest `sel(record)`. */
export function max<I>(sel?: Selector<I, number>): Max<I> {
  if (sel !== undefined) checkFunction("max(sel)", sel);
  return new Max(sel);
}
