import { ConfigError } from "../errors.js";
import { Count } from "./aggregators/count.js";
import { Mean } from "./aggregators/mean.js";
import { Sum } from "./aggregators/sum.js";
import { type Selector, StateAggregator } from "./state-aggregator.js";

/** A StateAggregator class taking `cfg` as constructor arguments. */
export type StateAggregatorCtor<I, A extends unknown[] = unknown[]> = new (
  ...cfg: A
) => StateAggregator<I, unknown>;

/**
 * A state that holds states of the next generator in the chain (e.g. one per group, as
 * {@link GroupByStateAggregator}): the generator hands it the next generator when it creates it.
 */
export interface NestingState<I> {
  useStates(next: StateGenerator<I>): void;
}

function isNesting<I>(x: object): x is NestingState<I> {
  return typeof (x as Partial<NestingState<I>>).useStates === "function";
}

/**
 * The original design's state generator (its `Gen`): a chain of StateAggregator classes, each
 * link making the states of the one before it. `use(StateClass, ...cfg)` appends a link and
 * returns it, so chains read as `agg().use(GroupByStateAggregator, (r) => r.name).sum((r) => r.n)`:
 * per window, group by name, then sum per group. The sugar `sum(sel)`, `means(sel)` and
 * `count()` are `use(Sum, sel)`, `use(Mean, sel)` and `use(Count)`; add your own the same way
 * (`StateGenerator.prototype.maxes = function (sel) { return this.use(Max, sel); }`).
 *
 * States are created when the job runs (per key and window), so the whole chain may be given
 * after `agg()` returned, as the original design's examples do.
 * @typeParam I - input record type.
 */
export class StateGenerator<I = unknown> {
  private nextGen: StateGenerator<I> | null = null;

  /**
   * @param StateClass - the class of this link's states (`null` for the root made by `agg()`,
   *   whose states are its next link's).
   * @param cfg - the constructor arguments of each state.
   */
  constructor(
    readonly StateClass: StateAggregatorCtor<I> | null = null,
    readonly cfg: readonly unknown[] = [],
  ) {}

  /** The next link, or `null` at the end of the chain. */
  get next(): StateGenerator<I> | null {
    return this.nextGen;
  }

  /**
   * Appends a link whose states are `new StateClass(...cfg)`.
   * @returns the new link (chain on it: `.use(A).use(B)` nests B in A).
   * @throws ConfigError if `StateClass` is not a StateAggregator class, or this link has a next already.
   */
  use<A extends unknown[]>(StateClass: StateAggregatorCtor<I, A>, ...cfg: A): StateGenerator<I> {
    const proto = (StateClass as { prototype?: Partial<StateAggregator<I, unknown>> } | null)?.prototype;
    if (typeof StateClass !== "function" || typeof proto?.collect !== "function") {
      throw new ConfigError(
        `use(StateClass, ...cfg): expected a StateAggregator class, got ${String(StateClass)}`,
      );
    }
    if (this.nextGen !== null) {
      throw new ConfigError(
        `use(${StateClass.name}): this state generator already uses ${this.nextGen.name}; chain on the returned generator`,
      );
    }
    this.nextGen = new StateGenerator<I>(StateClass as StateAggregatorCtor<I>, cfg);
    return this.nextGen;
  }

  /** `use(Sum, sel)`: the sum of `sel(record)`. */
  sum(sel?: Selector<I, number>): StateGenerator<I> {
    return this.use(Sum<I>, sel);
  }

  /** `use(Mean, sel)`: the arithmetic mean of `sel(record)` (the original design's `means`). */
  means(sel?: Selector<I, number>): StateGenerator<I> {
    return this.use(Mean<I>, sel);
  }

  /** `use(Count)`: the number of records. */
  count(): StateGenerator<I> {
    return this.use(Count<I>);
  }

  /** The class name of this link's states. */
  get name(): string {
    return this.StateClass?.name ?? "StateGenerator";
  }

  /**
   * A new state of this link (the root: of its next link). A {@link NestingState} gets the next
   * link to make its inner states.
   * @throws ConfigError when the chain ends without a state class (`agg()` with nothing `use`d).
   */
  createState(): StateAggregator<I, unknown> {
    if (this.StateClass === null) {
      if (this.nextGen === null) {
        throw new ConfigError(
          "agg() was given no aggregator and nothing was chained on it: add .use(StateClass, ...) or .sum(), .means(), .count()",
        );
      }
      return this.nextGen.createState();
    }
    const state = new this.StateClass(...this.cfg);
    if (isNesting<I>(state)) {
      if (this.nextGen === null) {
        throw new ConfigError(
          `${this.name} holds the states of the next link: chain one on it, e.g. .use(${this.name}, ...).sum()`,
        );
      }
      state.useStates(this.nextGen);
    }
    return state;
  }
}

/**
 * The StateAggregator behind `agg()` with no argument: its state is made by its generator chain
 * on first use (at run time, once the chain is complete). @internal
 */
export class GeneratedStateAggregator<I> extends StateAggregator<I, unknown, unknown> {
  private state: StateAggregator<I, unknown> | null = null;

  constructor(readonly generator: StateGenerator<I>) {
    super();
  }

  private get current(): StateAggregator<I, unknown> {
    this.state ??= this.generator.createState();
    return this.state;
  }

  collect(elem: I): void | Promise<void> {
    return this.current.collect(elem) as void | Promise<void>;
  }

  yield(): unknown {
    return this.current.yield();
  }

  override snapshot(): unknown {
    return this.state === null ? null : this.state.snapshot();
  }

  override restore(s: unknown): void {
    if (s === null) this.state = null;
    else this.current.restore(s);
  }

  override merge(other: this): void {
    if (other.state === null) return;
    const mine = this.current;
    if (typeof mine.merge !== "function")
      throw new ConfigError(`${mine.constructor.name} cannot merge (session windows need merge())`);
    mine.merge(other.state);
  }

  override clone(): this {
    const c = new GeneratedStateAggregator<I>(this.generator);
    if (this.state !== null) c.state = this.state.clone();
    return c as this;
  }
}
