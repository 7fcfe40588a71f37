import { StateError } from "../../errors.js";
import type { AggregatorFactory, AggregatorSpec } from "../../states/aggregator-spec.js";
import { Count } from "../../states/aggregators/count.js";
import { Mean } from "../../states/aggregators/mean.js";
import { Max, Min } from "../../states/aggregators/min-max.js";
import { Sum } from "../../states/aggregators/sum.js";
import type { StateAggregator } from "../../states/state-aggregator.js";
import { checkState, describeState } from "../checkpoint/state-shape.js";

type Agg = StateAggregator<unknown, unknown>;
type Bounds = Readonly<{ start: number; end: number }>;

/**
 * How a window or keyed aggregation keeps and reports its state, per key (and window). The
 * state is opaque to the strategies: `newState`, `collect`, `merge`, and the result builders.
 *
 * - A spec made only of built-in `sum`, `count`, `mean`, `min`, `max` is **fused**: one
 *   generated object per state with one field per accumulator and one generated `collect`
 *   (one allocation per key and window instead of an array plus one object per aggregator).
 * - One aggregator (`agg(MyAggregator)`, `agg(instance)`): the state is the aggregator itself.
 * - Otherwise the state is an array of aggregators, one per field.
 * - **Async** aggregators (an `async collect`, `yield` or `merge`): every call on a state is
 *   chained after the previous one of that state (order kept per key and window; states run
 *   concurrently); the node awaits {@link AggPlan.drain} after each batch and
 *   {@link AggPlan.resolve} before emitting results, whose values are then the awaited ones.
 *
 * Results: `{ key, window: { start, end }, field: value, ... }` (windows), `{ key, field, ... }`
 * (running aggregation), or `value` instead of fields for a single aggregator.
 * A plan belongs to one node (async plans track the calls in flight).
 * @internal
 */
export interface AggPlan {
  /** Field names, or `null` for the single-aggregator `value` form. */
  readonly fields: string[] | null;
  readonly factories: AggregatorFactory[];
  /** Whether every aggregator can merge (session windows need it). */
  readonly mergeable: boolean;
  /** Whether the spec was fused into one generated accumulator. */
  readonly fused: boolean;
  /** Whether calls are async (see {@link AggPlan.drain}). */
  readonly async: boolean;
  newState(): unknown;
  collect(state: unknown, record: unknown): void;
  merge(into: unknown, from: unknown): void;
  windowResult(key: unknown, window: Bounds, state: unknown): unknown;
  /**
   * {@link AggPlan.windowResult} for a state that is never read or updated again (its window is
   * purged right after this firing): the result may be the state itself, completed in place
   * (no allocation per result). `null` when the plan cannot (use `windowResult`).
   */
  readonly lastWindowResult: ((key: unknown, window: Bounds, state: unknown) => unknown) | null;
  keyedResult(key: unknown, state: unknown): unknown;
  /** Async plans: waits for the calls started so far; rejects with the first error. `null` if sync. */
  drain(): Promise<void> | null;
  /** Async plans: replaces the pending values of `results` (in place) by the awaited ones. */
  resolve(results: unknown[]): Promise<void> | null;
  /**
   * The state as plain data for a checkpoint (`v8.serialize`-able): the fused accumulator's
   * numbers, else each aggregator's `snapshot()`. Async plans: call it after {@link AggPlan.drain}
   * (between batches), when no call is in flight.
   */
  snapshotState(state: unknown): unknown;
  /**
   * A new state equal to the one `snapshotState` saw (a fresh accumulator given `restore(s)`).
   * @param node - the node's name, for errors.
   * @throws StateError when `s` does not have the shape this plan writes.
   */
  restoreState(s: unknown, node: string): unknown;
}

/** Builds the plan of a normalised `agg()` spec. @internal */
export function aggPlan(spec: AggregatorSpec): AggPlan {
  const { fields, factories } = spec;
  if (factories.some((f) => f.async)) return asyncPlan(fields, factories);
  if (factories.every((f) => f.template !== null && FUSABLE.has(f.template.constructor as new () => Agg))) {
    return fusedPlan(fields, factories);
  }
  return factories.length === 1 && fields === null
    ? singlePlan(factories[0])
    : genericPlan(fields, factories);
}

const FUSABLE = new Set<new () => Agg>([Sum, Count, Mean, Min, Max] as unknown as (new () => Agg)[]);

/** A collect or yield that returned a Promise without being declared `async`. */
function notDeclaredAsync(f: AggregatorFactory, method: string): StateError {
  return new StateError(
    `${f.name}.${method}() returned a Promise but is not declared async: write \`async ${method}(...)\` so Mass awaits it (see docs/windows.md, "Writing an aggregator")`,
  );
}

/** Result-object builders from value expressions. */
function builders(fields: string[] | null, values: string[], args: string, extra: string[] = []) {
  const body =
    fields === null
      ? `value: ${values[0]}`
      : fields.map((f, i) => `${JSON.stringify(f)}: ${values[i]}`).join(", ");
  return {
    windowResult: new Function(...extra, "key", "window", args, `return { key, window, ${body} };`),
    keyedResult: new Function(...extra, "key", args, `return { key, ${body} };`),
  };
}

const sync = { async: false, drain: () => null, resolve: () => null, lastWindowResult: null } as const;

/** One aggregator, synchronous: the state is the aggregator. */
function singlePlan(f: AggregatorFactory): AggPlan {
  const make = f.make;
  const value = (st: unknown): unknown => {
    const v = (st as Agg).yield();
    if (v instanceof Promise) throw notDeclaredAsync(f, "yield");
    return v;
  };
  return {
    ...sync,
    fields: null,
    factories: [f],
    fused: false,
    mergeable: f.mergeable,
    newState: make,
    collect(st, record) {
      if ((st as Agg).collect(record) !== undefined) throw notDeclaredAsync(f, "collect");
    },
    merge(into, from) {
      (into as Agg).merge!(from as Agg);
    },
    windowResult: (key, window, st) => ({ key, window, value: value(st) }),
    keyedResult: (key, st) => ({ key, value: value(st) }),
    snapshotState: (st) => copyOf(f, (st as Agg).snapshot()),
    restoreState(s) {
      const a = make();
      a.restore(s);
      return a;
    },
  };
}

/** Several aggregators, synchronous: the state is an array of them. */
function genericPlan(fields: string[] | null, factories: AggregatorFactory[]): AggPlan {
  const n = factories.length;
  const check = (v: unknown, i: number) => {
    if (v instanceof Promise) throw notDeclaredAsync(factories[i], "yield");
    return v;
  };
  const { windowResult, keyedResult } = builders(
    fields,
    factories.map((_, i) => `Y(a[${i}].yield(), ${i})`),
    "a",
    ["Y"],
  );
  return {
    ...sync,
    fields,
    factories,
    fused: false,
    mergeable: factories.every((f) => f.mergeable),
    newState() {
      const aggs = new Array<Agg>(n);
      for (let i = 0; i < n; i++) aggs[i] = factories[i].make();
      return aggs;
    },
    collect(state, record) {
      const aggs = state as Agg[];
      for (let i = 0; i < n; i++) {
        if (aggs[i].collect(record) !== undefined) throw notDeclaredAsync(factories[i], "collect");
      }
    },
    merge(into, from) {
      const a = into as Agg[];
      const b = from as Agg[];
      for (let i = 0; i < n; i++) a[i].merge!(b[i]);
    },
    windowResult: (key, window, st) => windowResult(check, key, window, st),
    keyedResult: (key, st) => keyedResult(check, key, st),
    snapshotState: (st) => (st as Agg[]).map((a, i) => copyOf(factories[i], a.snapshot())),
    restoreState: (s, node) => restoreAggs(factories, s, node),
  };
}

/**
 * A deep copy of an aggregator's snapshot: `snapshot()` may hand out values the live state still
 * holds (the records a `list()` keeps), and the node mutates its state after the barrier.
 * @throws StateError naming the aggregator when the snapshot is not structured-clonable.
 */
function copyOf(f: AggregatorFactory, s: unknown): unknown {
  if (s === null || typeof s !== "object") return s;
  try {
    return structuredClone(s);
  } catch (err) {
    throw new StateError(
      `${f.name}.snapshot() returned a value that cannot be copied into a checkpoint (${(err as Error).message}): return plain data (objects, arrays, Map, Set, numbers, strings), not class instances or functions`,
      { cause: err },
    );
  }
}

/** One aggregator per factory, each given its snapshot from `s` (an array, one per factory). */
function restoreAggs(factories: AggregatorFactory[], s: unknown, node: string): Agg[] {
  checkState(
    Array.isArray(s) && s.length === factories.length,
    node,
    () => `one snapshot per aggregator (${factories.map((f) => f.name).join(", ")}), got ${describeState(s)}`,
  );
  return factories.map((f, i) => {
    const a = f.make();
    a.restore((s as unknown[])[i]);
    return a;
  });
}

interface AsyncState {
  readonly aggs: Agg[];
  /** The last call on this state; the next one starts after it. */
  tail: Promise<void>;
}

const noop = () => {};
/** Marker of a result value still being computed. */
class Pending {
  constructor(readonly p: Promise<unknown>) {}
}

/** Any aggregator async: calls chained per state, awaited by the node. */
function asyncPlan(fields: string[] | null, factories: AggregatorFactory[]): AggPlan {
  const n = factories.length;
  let inflight: Promise<unknown>[] = [];
  const track = (p: Promise<unknown>) => {
    p.catch(noop); // awaited by drain/resolve; never an unhandled rejection meanwhile
    inflight.push(p);
  };
  const yieldOf = (st: AsyncState, i: number) => {
    const p = st.tail.then(() => st.aggs[i].yield());
    p.catch(noop);
    return new Pending(p);
  };
  const { windowResult, keyedResult } = builders(
    fields,
    factories.map((_, i) => `Y(s, ${i})`),
    "s",
    ["Y"],
  );
  const names = fields ?? ["value"];
  return {
    fields,
    factories,
    fused: false,
    async: true,
    lastWindowResult: null,
    mergeable: factories.every((f) => f.mergeable),
    newState(): AsyncState {
      const aggs = new Array<Agg>(n);
      for (let i = 0; i < n; i++) aggs[i] = factories[i].make();
      return { aggs, tail: Promise.resolve() };
    },
    collect(state, record) {
      const st = state as AsyncState;
      st.tail = st.tail.then(async () => {
        for (let i = 0; i < n; i++) await st.aggs[i].collect(record);
      });
      track(st.tail);
    },
    merge(into, from) {
      const a = into as AsyncState;
      const b = from as AsyncState;
      a.tail = Promise.all([a.tail, b.tail]).then(async () => {
        for (let i = 0; i < n; i++) await a.aggs[i].merge!(b.aggs[i]);
      });
      track(a.tail);
    },
    windowResult: (key, window, st) => windowResult(yieldOf, key, window, st),
    keyedResult: (key, st) => keyedResult(yieldOf, key, st),
    snapshotState: (st) => (st as AsyncState).aggs.map((a, i) => copyOf(factories[i], a.snapshot())),
    restoreState: (s, node): AsyncState => ({
      aggs: restoreAggs(factories, s, node),
      tail: Promise.resolve(),
    }),
    drain() {
      if (inflight.length === 0) return null;
      const ps = inflight;
      inflight = [];
      return Promise.all(ps).then(noop);
    },
    async resolve(results) {
      for (const r of results) {
        const o = r as Record<string, unknown>;
        for (const f of names) {
          const v = o[f];
          if (v instanceof Pending) o[f] = await v.p;
        }
      }
    },
  };
}

/** Field names a result built in place may use: plain identifiers, not the result's own `key` / `window`. */
const IN_PLACE_FIELD = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(["key", "window", "__proto__", "constructor"]);

function fusedPlan(fields: string[] | null, factories: AggregatorFactory[]): AggPlan {
  // Results built in place: when every field's value is its accumulator (sum, count, min, max),
  // the state is shaped as the result — `{ key, window, <field>: accumulator, ... }`, an object
  // literal (a plain object, as a copied result) — and the last firing of a window completes it
  // with its key and window instead of allocating a copy.
  const inPlace =
    fields !== null &&
    factories.every((f) => !(f.template instanceof Mean)) &&
    fields.every((f) => IN_PLACE_FIELD.test(f) && !RESERVED.has(f)) &&
    new Set(fields).size === fields.length;
  const init: string[] = [];
  const collect: string[] = [];
  const merge: string[] = [];
  const values: string[] = [];
  const sels: unknown[] = [];
  factories.forEach((f, i) => {
    const t = f.template!;
    const sel = `s${i}`;
    // accumulator property names: the result's field names when built in place
    const v = inPlace ? fields![i] : `v${i}`;
    const c = inPlace ? fields![i] : `c${i}`;
    if (t instanceof Count) {
      init.push(`${c}: 0`);
      collect.push(`st.${c}++;`);
      merge.push(`a.${c} += b.${c};`);
      values.push(`st.${c}`);
      sels.push(null);
      return;
    }
    sels.push((t as unknown as { sel: unknown }).sel);
    if (t instanceof Sum) {
      init.push(`${v}: 0`);
      collect.push(`st.${v} += ${sel}(r);`);
      merge.push(`a.${v} += b.${v};`);
      values.push(`st.${v}`);
    } else if (t instanceof Mean) {
      init.push(`v${i}: 0, n${i}: 0`);
      collect.push(`st.v${i} += ${sel}(r); st.n${i}++;`);
      merge.push(`a.v${i} += b.v${i}; a.n${i} += b.n${i};`);
      values.push(`(st.n${i} === 0 ? NaN : st.v${i} / st.n${i})`);
    } else if (t instanceof Min || t instanceof Max) {
      const min = t instanceof Min;
      init.push(`${v}: ${min ? "Infinity" : "-Infinity"}`);
      collect.push(`{ const x = ${sel}(r); if (x ${min ? "<" : ">"} st.${v}) st.${v} = x; }`);
      merge.push(`if (b.${v} ${min ? "<" : ">"} a.${v}) a.${v} = b.${v};`);
      values.push(`st.${v}`);
    }
  });
  const selDecl = sels.map((_, i) => `const s${i} = S[${i}];`).join(" ");
  const head = inPlace ? "key: undefined, window: undefined, " : "";
  const make = new Function(
    "S",
    `${selDecl}
     return {
       newState: () => ({ ${head}${init.join(", ")} }),
       collect: (st, r) => { ${collect.join(" ")} },
       merge: (a, b) => { ${merge.join(" ")} },
     };`,
  );
  const ops = make(sels) as Pick<AggPlan, "newState" | "collect" | "merge">;
  const { windowResult, keyedResult } = builders(fields, values, "st");
  /** The accumulator's own fields (numbers), in the state's order. */
  const names = Object.keys(ops.newState() as object).filter(
    (f) => !inPlace || (f !== "key" && f !== "window"),
  );
  return {
    ...sync,
    fields,
    factories,
    fused: true,
    mergeable: true,
    newState: ops.newState,
    collect: ops.collect,
    merge: ops.merge,
    windowResult: windowResult as AggPlan["windowResult"],
    keyedResult: keyedResult as AggPlan["keyedResult"],
    // the accumulator's fields are numbers: copying them is a deep copy (a state built in place
    // also has the result's `key` and `window`, set only at its last firing: not state)
    snapshotState(st) {
      const acc = st as Record<string, number>;
      const snap: Record<string, number> = {};
      for (const f of names) snap[f] = acc[f];
      return snap;
    },
    restoreState(s, node) {
      const st = ops.newState() as Record<string, number>;
      checkState(
        s !== null &&
          typeof s === "object" &&
          names.every((f) => typeof (s as Record<string, unknown>)[f] === "number"),
        node,
        `the numbers {${names.join(", ")}} of a fused ${factories.map((f) => f.name).join("+")} accumulator, got ${describeState(s)}`,
      );
      for (const f of names) st[f] = (s as Record<string, number>)[f];
      return st;
    },
    lastWindowResult: inPlace ? completeInPlace : null,
  };
}

/** The last result of a state shaped as its result: its key and window set, the state returned. */
function completeInPlace(key: unknown, window: Bounds, state: unknown): unknown {
  const st = state as { key: unknown; window: Bounds };
  st.key = key;
  st.window = window;
  return st;
}
