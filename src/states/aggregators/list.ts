import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Every `sel(record)`, in arrival order. Memory grows with the window: prefer a reducing aggregator for large windows. */
export class List<I, V = I> extends StateAggregator<I, V[], V[]> {
  private items: V[] = [];
  constructor(readonly sel: Selector<I, V> = identity as Selector<I, V>) {
    super();
  }
  collect(elem: I): void {
    this.items.push(this.sel(elem));
  }
  yield(): V[] {
    return this.items.slice();
  }
  override snapshot(): V[] {
    return this.items.slice();
  }
  override restore(s: V[]): void {
    this.items = s.slice();
  }
  override merge(other: List<I, V>): void {
    for (const x of other.items) this.items.push(x);
  }
  override clone(): this {
    const c = new List(this.sel);
    c.items = this.items.slice();
    return c as this;
  }
}

/** `list(sel)`: all values in arrival order. */
export function list<I, V = I>(sel?: Selector<I, V>): List<I, V> {
  if (sel !== undefined) checkFunction("list(sel)", sel);
  return new List(sel);
}
