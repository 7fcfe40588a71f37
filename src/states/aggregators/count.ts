import { StateAggregator } from "../state-aggregator.js";

/** Number of records. */
export class Count<I = unknown> extends StateAggregator<I, number, number> {
  private n = 0;
  collect(): void {
    this.n++;
  }
  yield(): number {
    return this.n;
  }
  override snapshot(): number {
    return this.n;
  }
  override restore(s: number): void {
    this.n = s;
  }
  override merge(other: Count<I>): void {
    this.n += other.n;
  }
  override clone(): this {
    const c = new Count<I>();
    c.n = this.n;
    return c as this;
  }
}

/** `count()`: number of records. */
export function count<I = unknown>(): Count<I> {
  return new Count<I>();
}
