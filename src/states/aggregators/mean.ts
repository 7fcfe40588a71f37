import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Arithmetic mean of `sel(record)`; `NaN` for no records. */
export class Mean<I> extends StateAggregator<I, number, { sum: number; n: number }> {
  private sum = 0;
  private n = 0;
  constructor(readonly sel: Selector<I, number> = identity as Selector<I, number>) {
    super();
  }
  collect(elem: I): void {
    this.sum += this.sel(elem);
    this.n++;
  }
  yield(): number {
    return this.n === 0 ? Number.NaN : this.sum / this.n;
  }
  override snapshot() {
    return { sum: this.sum, n: this.n };
  }
  override restore(s: { sum: number; n: number }): void {
    this.sum = s.sum;
    this.n = s.n;
  }
  override merge(other: Mean<I>): void {
    this.sum += other.sum;
    this.n += other.n;
  }
  override clone(): this {
    const c = new Mean(this.sel);
    c.sum = this.sum;
    c.n = this.n;
    return c as this;
  }
}

/** `mean(sel)`: arithmetic mean of `sel(record)`. */
export function mean<I>(sel?: Selector<I, number>): Mean<I> {
  if (sel !== undefined) checkFunction("mean(sel)", sel);
  return new Mean(sel);
}
