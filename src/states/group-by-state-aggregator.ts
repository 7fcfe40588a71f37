import { ConfigError, StateError } from "../errors.js";
import { StateAggregator } from "./state-aggregator.js";
import type { NestingState, StateGenerator } from "./state-generator.js";

/** One group of {@link GroupByStateAggregator}'s result. */
export interface GroupResult<O = unknown> {
  /** The group: the assigner's value, or an array of the values with several assigners. */
  readonly key: unknown;
  /** The result of the group's own state (the next link of the chain). */
  readonly value: O;
}

interface Group<I> {
  readonly key: unknown;
  readonly state: StateAggregator<I, unknown>;
}

/**
 * The original design's `GroupByStateAggregator`: splits the records it collects into groups by
 * `assigners` and keeps one state per group, made by the next link of its state-generator chain:
 *
 * ```ts
 * env.from(clicks).window(tumbling(60_000)).agg()
 *   .use(GroupByStateAggregator, (c) => c.page).sum((c) => c.n);
 * // one result per window: { key, window, value: [{ key: "/home", value: 12 }, ...] }
 * ```
 *
 * An assigner is a function of the record or a field name (`"city"` reads `record.city`); with
 * several, the group key is the array of their values. Groups are reported in the order they
 * were first seen. The inner states' `collect`/`yield` may be async (their promises are passed
 * on). Mergeable (session windows) when the inner states are.
 * @throws ConfigError (at build) without an assigner or with one that is neither a function nor a string.
 */
export class GroupByStateAggregator<I = unknown>
  extends StateAggregator<I, GroupResult[], [unknown, unknown][]>
  implements NestingState<I>
{
  private readonly assign: (elem: I) => unknown;
  private readonly several: boolean;
  private groups = new Map<unknown, Group<I>>();
  private next: StateGenerator<I> | null = null;

  constructor(...assigners: (((elem: I) => unknown) | string)[]) {
    super();
    if (assigners.length === 0)
      throw new ConfigError("GroupByStateAggregator(...assigners): give at least one assigner");
    const fns = assigners.map((a, i) => {
      if (typeof a === "function") return a;
      if (typeof a === "string") return (elem: I) => (elem as Record<string, unknown>)[a];
      throw new ConfigError(
        `GroupByStateAggregator: assigner ${i} must be a function or a field name, got ${String(a)}`,
      );
    });
    this.several = fns.length > 1;
    this.assign = this.several ? (elem) => fns.map((f) => f(elem)) : fns[0];
  }

  /** @internal the generator hands over the next link. */
  useStates(next: StateGenerator<I>): void {
    this.next = next;
  }

  private newState(): StateAggregator<I, unknown> {
    if (this.next === null)
      throw new StateError(
        "GroupByStateAggregator has no state for its groups: create it through a state generator (agg().use(GroupByStateAggregator, fn).sum())",
      );
    return this.next.createState();
  }

  /** Collects into the record's group (a Promise when the group's state collects asynchronously). */
  collect(elem: I): void | Promise<void> {
    const key = this.assign(elem);
    const id = this.several ? JSON.stringify(key) : key;
    let g = this.groups.get(id);
    if (g === undefined) {
      g = { key, state: this.newState() };
      this.groups.set(id, g);
    }
    return g.state.collect(elem) as void | Promise<void>;
  }

  /** `[{ key, value }]` per group (a Promise of it when an inner state's `yield` is async). */
  yield(): GroupResult[] {
    const out: { key: unknown; value: unknown }[] = [];
    let pending = false;
    for (const g of this.groups.values()) {
      const value = g.state.yield();
      if (value instanceof Promise) pending = true;
      out.push({ key: g.key, value });
    }
    if (!pending) return out;
    return Promise.all(
      out.map(async (r) => ({ key: r.key, value: await r.value })),
    ) as unknown as GroupResult[];
  }

  override snapshot(): [unknown, unknown][] {
    return [...this.groups.values()].map((g) => [g.key, g.state.snapshot()]);
  }

  override restore(s: [unknown, unknown][]): void {
    this.groups = new Map();
    for (const [key, inner] of s) {
      const state = this.newState();
      state.restore(inner);
      this.groups.set(this.several ? JSON.stringify(key) : key, { key, state });
    }
  }

  override merge(other: GroupByStateAggregator<I>): void {
    for (const [id, g] of other.groups) {
      const mine = this.groups.get(id);
      if (mine === undefined) this.groups.set(id, { key: g.key, state: g.state.clone() });
      else if (typeof mine.state.merge === "function") mine.state.merge(g.state);
      else
        throw new StateError(
          `GroupByStateAggregator: ${mine.state.constructor.name} has no merge() (session windows need it)`,
        );
    }
  }

  override clone(): this {
    const c = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(c, this);
    c.groups = new Map();
    for (const [id, g] of this.groups) c.groups.set(id, { key: g.key, state: g.state.clone() });
    return c;
  }
}
