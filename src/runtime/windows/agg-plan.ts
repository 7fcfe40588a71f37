import { ConfigError } from "../../errors.js";
import { Count } from "../../states/aggregators/count.js";
import { Mean } from "../../states/aggregators/mean.js";
import { Max, Min } from "../../states/aggregators/min-max.js";
import { Sum } from "../../states/aggregators/sum.js";
import type { StateAggregator } from "../../states/state-aggregator.js";

type Agg = StateAggregator<unknown, unknown>;
type Bounds = Readonly<{ start: number; end: number }>;

/**
 * How a window or keyed aggregation keeps and reports its state, per key (and window). The
 * state is opaque to the strategies: `newState`, `collect`, `merge`, and the result builders.
 *
 * - A spec made only of built-in `sum`, `count`, `mean`, `min`, `max` is **fused**: one
 *   generated object per state with one field per accumulator and one generated `collect`
 *   (one allocation per key and window instead of an array plus one object per aggregator).
 * - Otherwise the state is an array of clones of the aggregator templates.
 *
 * Results: `{ key, window: { start, end }, field: value, ... }` (windows), `{ key, field, ... }`
 * (running aggregation), or `value` instead of fields for a single aggregator.
 * @internal
 */
export interface AggPlan {
  /** The aggregator templates as given. */
  readonly templates: Agg[];
  /** Field names, or `null` for the single-aggregator `value` form. */
  readonly fields: string[] | null;
  /** Whether every aggregator can merge (session windows need it). */
  readonly mergeable: boolean;
  /** Whether the spec was fused into one generated accumulator. */
  readonly fused: boolean;
  newState(): unknown;
  collect(state: unknown, record: unknown): void;
  merge(into: unknown, from: unknown): void;
  windowResult(key: unknown, window: Bounds, state: unknown): unknown;
  keyedResult(key: unknown, state: unknown): unknown;
}

const RESERVED = new Set(["key", "window"]);

/** Builds a plan from `agg({...})`'s spec or one aggregator. @internal */
export function aggPlan(spec: Agg | Record<string, Agg>, isAggregator: (x: unknown) => x is Agg): AggPlan {
  let fields: string[] | null;
  let templates: Agg[];
  if (isAggregator(spec)) {
    fields = null;
    templates = [spec];
  } else {
    if (spec === null || typeof spec !== "object") {
      throw new ConfigError(
        `agg(spec): expected { field: aggregator, ... } or an aggregator, got ${String(spec)}`,
      );
    }
    fields = Object.keys(spec);
    if (fields.length === 0)
      throw new ConfigError("agg(spec): give at least one field, e.g. agg({ n: count() })");
    templates = fields.map((f) => {
      const a = spec[f];
      if (RESERVED.has(f))
        throw new ConfigError(`agg(spec): field "${f}" is reserved for the result's ${f}; rename it`);
      if (!isAggregator(a)) {
        throw new ConfigError(
          `agg(spec): field "${f}" must be a StateAggregator (e.g. sum(sel), count()), got ${String(a)}`,
        );
      }
      return a;
    });
  }
  const fusable = templates.every((t) => FUSABLE.has(t.constructor as new () => Agg));
  return fusable ? fusedPlan(fields, templates) : genericPlan(fields, templates);
}

const FUSABLE = new Set<new () => Agg>([Sum, Count, Mean, Min, Max] as unknown as (new () => Agg)[]);

/** Result-object builders from value expressions. */
function builders(fields: string[] | null, values: string[], args: string) {
  const body =
    fields === null
      ? `value: ${values[0]}`
      : fields.map((f, i) => `${JSON.stringify(f)}: ${values[i]}`).join(", ");
  return {
    windowResult: new Function("key", "window", args, `return { key, window, ${body} };`),
    keyedResult: new Function("key", args, `return { key, ${body} };`),
  };
}

function genericPlan(fields: string[] | null, templates: Agg[]): AggPlan {
  const n = templates.length;
  const { windowResult, keyedResult } = builders(
    fields,
    templates.map((_, i) => `a[${i}].yield()`),
    "a",
  );
  return {
    templates,
    fields,
    fused: false,
    mergeable: templates.every((t) => typeof t.merge === "function"),
    newState() {
      const aggs = new Array<Agg>(n);
      for (let i = 0; i < n; i++) aggs[i] = templates[i].clone();
      return aggs;
    },
    collect(state, record) {
      const aggs = state as Agg[];
      for (let i = 0; i < n; i++) aggs[i].collect(record);
    },
    merge(into, from) {
      const a = into as Agg[];
      const b = from as Agg[];
      for (let i = 0; i < n; i++) a[i].merge!(b[i]);
    },
    windowResult: windowResult as AggPlan["windowResult"],
    keyedResult: keyedResult as AggPlan["keyedResult"],
  };
}

function fusedPlan(fields: string[] | null, templates: Agg[]): AggPlan {
  const init: string[] = [];
  const collect: string[] = [];
  const merge: string[] = [];
  const values: string[] = [];
  const sels: unknown[] = [];
  templates.forEach((t, i) => {
    const sel = `s${i}`;
    if (t instanceof Count) {
      init.push(`this.c${i} = 0;`);
      collect.push(`st.c${i}++;`);
      merge.push(`a.c${i} += b.c${i};`);
      values.push(`st.c${i}`);
      sels.push(null);
      return;
    }
    sels.push((t as unknown as { sel: unknown }).sel);
    if (t instanceof Sum) {
      init.push(`this.v${i} = 0;`);
      collect.push(`st.v${i} += ${sel}(r);`);
      merge.push(`a.v${i} += b.v${i};`);
      values.push(`st.v${i}`);
    } else if (t instanceof Mean) {
      init.push(`this.v${i} = 0; this.n${i} = 0;`);
      collect.push(`st.v${i} += ${sel}(r); st.n${i}++;`);
      merge.push(`a.v${i} += b.v${i}; a.n${i} += b.n${i};`);
      values.push(`(st.n${i} === 0 ? NaN : st.v${i} / st.n${i})`);
    } else if (t instanceof Min || t instanceof Max) {
      const min = t instanceof Min;
      init.push(`this.v${i} = ${min ? "Infinity" : "-Infinity"};`);
      collect.push(`{ const x = ${sel}(r); if (x ${min ? "<" : ">"} st.v${i}) st.v${i} = x; }`);
      merge.push(`if (b.v${i} ${min ? "<" : ">"} a.v${i}) a.v${i} = b.v${i};`);
      values.push(`st.v${i}`);
    }
  });
  const selDecl = sels.map((_, i) => `const s${i} = S[${i}];`).join(" ");
  const make = new Function(
    "S",
    `${selDecl}
     function Acc() { ${init.join(" ")} }
     return {
       newState: () => new Acc(),
       collect: (st, r) => { ${collect.join(" ")} },
       merge: (a, b) => { ${merge.join(" ")} },
     };`,
  );
  const ops = make(sels) as Pick<AggPlan, "newState" | "collect" | "merge">;
  const { windowResult, keyedResult } = builders(fields, values, "st");
  return {
    templates,
    fields,
    fused: true,
    mergeable: true,
    newState: ops.newState,
    collect: ops.collect,
    merge: ops.merge,
    windowResult: windowResult as AggPlan["windowResult"],
    keyedResult: keyedResult as AggPlan["keyedResult"],
  };
}
