import { ConfigError } from "../../errors.js";
import { checkFunction, checkKeys } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Variance of `sel(record)` by Welford's online algorithm (numerically stable), merged with
 * Chan et al.'s parallel formula. Sample variance (divides by n - 1, as SQL's `VARIANCE` /
 * `VAR_SAMP`) by default; `{ population: true }` divides by n (`VAR_POP`). `NaN` when fewer
 * than 2 records (sample) or none (population).
 */
export class Variance<I> extends StateAggregator<I, number, Moments> {
  protected n = 0;
  protected mean = 0;
  protected m2 = 0;
  constructor(
    readonly sel: Selector<I, number> = identity as Selector<I, number>,
    readonly population = false,
  ) {
    super();
  }
  collect(elem: I): void {
    const x = this.sel(elem);
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  yield(): number {
    const div = this.population ? this.n : this.n - 1;
    return div <= 0 ? Number.NaN : this.m2 / div;
  }
  override snapshot(): Moments {
    return { n: this.n, mean: this.mean, m2: this.m2 };
  }
  override restore(s: Moments): void {
    this.n = s.n;
    this.mean = s.mean;
    this.m2 = s.m2;
  }
  override merge(other: Variance<I>): void {
    if (other.n === 0) return;
    const n = this.n + other.n;
    const d = other.mean - this.mean;
    this.mean += (d * other.n) / n;
    this.m2 += other.m2 + (d * d * this.n * other.n) / n;
    this.n = n;
  }
  override clone(): this {
    const c = new (this.constructor as new (s: Selector<I, number>, p: boolean) => Variance<I>)(
      this.sel,
      this.population,
    );
    c.restore(this.snapshot());
    return c as this;
  }
}

/** Standard deviation: the square root of {@link Variance} (sample by default). */
export class Stddev<I> extends Variance<I> {
  override yield(): number {
    return Math.sqrt(super.yield());
  }
}

/** `variance(sel, { population })`: sample variance by default. */
export function variance<I>(sel?: Selector<I, number>, options: VarianceOptions = {}): Variance<I> {
  checkOptions("variance", sel, options);
  return new Variance(sel, options.population ?? false);
}

/** `stddev(sel, { population })`: sample standard deviation by default. */
export function stddev<I>(sel?: Selector<I, number>, options: VarianceOptions = {}): Stddev<I> {
  checkOptions("stddev", sel, options);
  return new Stddev(sel, options.population ?? false);
}

/** Options of {@link variance} and {@link stddev}. */
export interface VarianceOptions {
  /** Population (divide by n, SQL `VAR_POP`) instead of sample (n - 1, `VAR_SAMP`). Default false. */
  population?: boolean;
}

function checkOptions(name: string, sel: unknown, options: VarianceOptions): void {
  if (sel !== undefined) checkFunction(`${name}(sel)`, sel);
  checkKeys(`${name}(sel, options)`, options, ["population"]);
  if (options.population !== undefined && typeof options.population !== "boolean") {
    throw new ConfigError(`${name} options.population must be a boolean, got ${String(options.population)}`, {
      option: `${name} options.population`,
    });
  }
}
