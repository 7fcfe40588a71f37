import { ConfigError } from "../../errors.js";
import { checkFunction, checkInt, checkKeys } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** Options of {@link percentile}. */
export interface PercentileOptions {
  /** Values kept exactly; past this count the aggregator switches to a sketch. Default 10,000. */
  exactLimit?: number;
  /** Relative accuracy of the sketch, in (0, 1). Default 0.01 (1 %). */
  relativeAccuracy?: number;
}

interface SketchState {
  n: number;
  zeros: number;
  pos: [number, number][];
  neg: [number, number][];
}

interface PercentileSnapshot {
  values?: number[];
  sketch?: SketchState;
}

/**
 * The `p`-th percentile (0..100) of `sel(record)`.
 *
 * **Exact** while the window holds at most `exactLimit` values (default 10,000): the values
 * are kept and sorted, and the result interpolates linearly between the closest ranks
 * (R-7, the default of numpy, R and Excel's PERCENTILE.INC): `h = (n - 1) p / 100`,
 * `v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h])`.
 *
 * **Beyond that**, it moves to a DDSketch (Masson, Rim & Lee, VLDB 2019) with logarithmic
 * buckets of ratio `γ = (1 + α) / (1 - α)`: memory O(log(max/min) / α) and the result is
 * within relative error `α` (default 1 %) of the exact value of rank `round(h)` (no
 * interpolation). Zero and negative values are kept in their own buckets.
 *
 * `NaN` for no records. Merging (sessions) merges values or sketches.
 */
export class Percentile<I> extends StateAggregator<I, number, PercentileSnapshot> {
  private values: number[] | null = [];
  private sketch: DDSketch | null = null;
  private readonly exactLimit: number;
  private readonly alpha: number;

  constructor(
    readonly p: number,
    readonly sel: Selector<I, number> = identity as Selector<I, number>,
    readonly options: PercentileOptions = {},
  ) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
      throw new ConfigError(`percentile(p): p must be a number in [0, 100], got ${p}`);
    }
    checkKeys("percentile(p, sel, options)", options, ["exactLimit", "relativeAccuracy"]);
    this.exactLimit = checkInt("percentile options.exactLimit", options.exactLimit ?? 10_000, 0);
    this.alpha = options.relativeAccuracy ?? 0.01;
    if (!(this.alpha > 0 && this.alpha < 1)) {
      throw new ConfigError(`percentile options.relativeAccuracy must be in (0, 1), got ${this.alpha}`);
    }
  }

  collect(elem: I): void {
    this.addValue(this.sel(elem));
  }

  private addValue(x: number): void {
    if (this.values !== null) {
      this.values.push(x);
      if (this.values.length > this.exactLimit) this.toSketch();
    } else this.sketch!.add(x);
  }

  private toSketch(): void {
    const s = new DDSketch(this.alpha);
    for (const v of this.values!) s.add(v);
    this.sketch = s;
    this.values = null;
  }

  yield(): number {
    if (this.values !== null) {
      const n = this.values.length;
      if (n === 0) return Number.NaN;
      const v = Float64Array.from(this.values).sort();
      const h = ((n - 1) * this.p) / 100;
      const lo = Math.floor(h);
      return lo + 1 < n ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
    }
    return this.sketch!.quantile(this.p / 100);
  }

  override snapshot(): PercentileSnapshot {
    return this.values !== null ? { values: this.values.slice() } : { sketch: this.sketch!.snapshot() };
  }

  override restore(s: PercentileSnapshot): void {
    if (s.values !== undefined) {
      this.values = s.values.slice();
      this.sketch = null;
    } else {
      this.values = null;
      this.sketch = DDSketch.restore(this.alpha, s.sketch!);
    }
  }

  override merge(other: Percentile<I>): void {
    if (other.values !== null) {
      for (const v of other.values) this.addValue(v);
      return;
    }
    if (this.values !== null) this.toSketch();
    this.sketch!.merge(other.sketch!);
  }

  override clone(): this {
    const c = new Percentile(this.p, this.sel, this.options);
    c.restore(this.snapshot());
    return c as this;
  }
}

/** Logarithmic-bucket quantile sketch with relative accuracy `alpha`. @internal */
class DDSketch {
  private readonly logGamma: number;
  private readonly gamma: number;
  n = 0;
  zeros = 0;
  readonly pos = new Map<number, number>();
  readonly neg = new Map<number, number>();

  constructor(readonly alpha: number) {
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
  }

  add(x: number, count = 1): void {
    this.n += count;
    if (x === 0) this.zeros += count;
    else {
      const m = x > 0 ? this.pos : this.neg;
      const i = Math.ceil(Math.log(Math.abs(x)) / this.logGamma);
      m.set(i, (m.get(i) ?? 0) + count);
    }
  }

  private value(i: number): number {
    return (2 * this.gamma ** i) / (this.gamma + 1);
  }

  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.round(q * (this.n - 1));
    let seen = 0;
    const negKeys = [...this.neg.keys()].sort((a, b) => b - a);
    for (const k of negKeys) {
      seen += this.neg.get(k)!;
      if (seen > rank) return -this.value(k);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const posKeys = [...this.pos.keys()].sort((a, b) => a - b);
    for (const k of posKeys) {
      seen += this.pos.get(k)!;
      if (seen > rank) return this.value(k);
    }
    return this.value(posKeys[posKeys.length - 1]);
  }

  merge(o: DDSketch): void {
    this.n += o.n;
    this.zeros += o.zeros;
    for (const [k, c] of o.pos) this.pos.set(k, (this.pos.get(k) ?? 0) + c);
    for (const [k, c] of o.neg) this.neg.set(k, (this.neg.get(k) ?? 0) + c);
  }

  snapshot(): SketchState {
    return { n: this.n, zeros: this.zeros, pos: [...this.pos], neg: [...this.neg] };
  }

  static restore(alpha: number, s: SketchState): DDSketch {
    const d = new DDSketch(alpha);
    d.n = s.n;
    d.zeros = s.zeros;
    for (const [k, c] of s.pos) d.pos.set(k, c);
    for (const [k, c] of s.neg) d.neg.set(k, c);
    return d;
  }
}

/** `percentile(p, sel, options)`: the p-th percentile (0..100); exact up to `exactLimit` values, then within 1 % relative error. */
export function percentile<I>(
  p: number,
  sel?: Selector<I, number>,
  options?: PercentileOptions,
): Percentile<I> {
  if (sel !== undefined) checkFunction("percentile(p, sel)", sel);
  return new Percentile(p, sel, options);
}
