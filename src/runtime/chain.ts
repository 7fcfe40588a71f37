import type { StageSpec } from "../operators/stage.js";
import { type FaultHandler, SKIP } from "./fault.js";

/**
 * A tree of fused stages hanging off one node's output. A branch is either a stage with
 * children, or a leaf (`stage === null`) writing into output edge `out`. Two consumers that
 * share a prefix of stages share those branches, so the prefix runs once per record (fan-out
 * inside the fused loop).
 * @internal
 */
export interface ChainBranch {
  readonly stage: StageSpec | null;
  readonly out: number;
  readonly children: ChainBranch[];
}

/**
 * Runs a batch through the fused stages, pushing results into one array per output edge; with
 * timestamps, each output record's timestamp (its input record's) goes to `outTs` alongside.
 * @internal
 */
export type ChainRunner = (
  records: unknown[],
  outs: unknown[][],
  ts: number[] | null,
  outTs: number[][] | null,
) => Promise<void>;

/**
 * Compiles a stage tree into one specialised async function: a single loop over the batch in
 * which every stage is inlined with its own call site (monomorphic calls, no intermediate
 * arrays, no per-stage stream hop). This is Flink's operator chaining, done by generating code.
 *
 * Every stage call is guarded: a thrown error (or rejected promise) goes to that stage's fault
 * handler, which answers a retried value, {@link SKIP}, or throws. A result that is a Promise is
 * awaited in place, so user functions may be sync or async; sync functions never pay for an
 * `await`.
 *
 * @param roots - the branches under the node's output.
 * @param handlerFor - builds the fault handler of one stage.
 * @internal
 */
export function compileChain(
  roots: ChainBranch[],
  outputs: number,
  handlerFor: (stage: StageSpec) => FaultHandler,
  withTimestamps = false,
): ChainRunner {
  const F: unknown[] = [];
  const H: FaultHandler[] = [];
  const C: unknown[] = [];
  let prelude = "";

  const gen = (b: ChainBranch, v: string): string => {
    if (b.stage === null)
      return withTimestamps ? `o${b.out}.push(${v}); u${b.out}.push(t);` : `o${b.out}.push(${v});`;
    const s = b.stage;
    const k = F.length;
    F.push(s.fn);
    C.push(s.calculator);
    H.push(handlerFor(s));
    prelude += `const f${k} = F[${k}], h${k} = H[${k}], c${k} = C[${k}];\n`;
    const w = `v${k}`;
    const kids = (x: string) => b.children.map((c) => gen(c, x)).join("\n");
    const call = s.kind === "calc" ? `c${k}.calc(${v})` : `f${k}(${v})`;
    const guarded = (target: string) =>
      `try { ${target} = ${call}; if (${target} instanceof P) ${target} = await ${target}; }
       catch (e) { ${target} = h${k}(e, ${v}); if (${target} instanceof P) ${target} = await ${target}; if (${target} === SKIP) break b${k}; }`;
    switch (s.kind) {
      case "map":
        return `b${k}: { let ${w}; ${guarded(w)}\n${kids(w)} }`;
      case "filter":
        return `b${k}: { let t${k}; ${guarded(`t${k}`)} if (!t${k}) break b${k};\n${kids(v)} }`;
      case "mutate":
      case "tap":
        return `b${k}: { let t${k}; ${guarded(`t${k}`)}\n${kids(v)} }`;
      case "flatMap": {
        const body = kids(w);
        return `b${k}: { let it${k}; ${guarded(`it${k}`)}
          if (!isArray(it${k})) it${k} = Array.from(it${k});
          for (let j${k} = 0; j${k} < it${k}.length; j${k}++) { const ${w} = it${k}[j${k}];\n${body} } }`;
      }
      case "calc": {
        return `b${k}: { let it${k}; ${guarded(`it${k}`)}
          if (it${k} === undefined) break b${k};
          if (isArray(it${k})) { for (let j${k} = 0; j${k} < it${k}.length; j${k}++) { const ${w} = it${k}[j${k}];\n${kids(w)} } }
          else { const ${w} = it${k};\n${kids(w)} } }`;
      }
    }
  };

  const loopBody = roots.map((r) => gen(r, "r")).join("\n");
  const outDecl = Array.from(
    { length: outputs },
    (_, j) => `const o${j} = outs[${j}];${withTimestamps ? ` const u${j} = outTs[${j}];` : ""}`,
  ).join(" ");
  const source = `${prelude}
return async function fusedChain(records, outs, ts, outTs) {
  ${outDecl}
  const n = records.length;
  for (let i = 0; i < n; i++) {
    const r = records[i];${withTimestamps ? "\n    const t = ts[i];" : ""}
    ${loopBody}
  }
};`;
  const factory = new Function("F", "H", "C", "SKIP", "P", "isArray", source);
  return factory(F, H, C, SKIP, Promise, Array.isArray) as ChainRunner;
}

/** Whether a tree is only leaves (no stage): the node then passes its batch through as is. @internal */
export function isIdentity(roots: ChainBranch[]): boolean {
  return roots.every((r) => r.stage === null);
}
