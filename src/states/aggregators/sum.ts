import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Sum of `sel(record)`; 0 for no records. */
export class Sum<I> extends StateAggregator<I, number, number> {
  private total = 0;
  constructor(readonly sel: Selector<I, number> = identity as Selector<I, number>) {
    super();
  }
  collect(elem: I): void {
    this.total += this.sel(elem);
  }
  yield(): number {
    return this.total;
  }
  override snapshot(): number {
    return this.total;
  }
  override restore(s: number): void {
    this.total = s;
  }
  override merge(other: Sum<I>): void {
    this.total += other.total;
  }
  override clone(): this {
    const c = new Sum(this.sel);
    c.total = this.total;
    return c as this;
  }
}

/** `sum(sel)`: sum of `sel(record)` (default: the record itself). */
export function sum<I>(sel?: Selector<I, number>): Sum<I> {
  if (sel !== undefined) checkFunction("sum(sel)", sel);
  return new Sum(sel);
}
