import type { StageSpec } from "../operators/stage.js";
import { type FaultHandler, SKIP } from "./fault.js";
import type { OperatorStats } from "./stats.js";

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
  /** The operator's counters (stage branches). */
  readonly stats?: OperatorStats;
  /** Operator id in the topology (stage branches). */
  readonly id?: string;
  /** Set when the stage failed under `'fail'`: it and every branch below it are ended. */
  dead?: boolean;
  /** Why the stage failed. */
  error?: Error;
}

/**
 * Runs a batch through the fused stages, pushing results into one array per output edge; with
 * timestamps, each output record's timestamp (its input record's) goes to `outTs` alongside.
 * Resolves `true` when a record reached a failed (dead) stage: that record did not make it,
 * so its source batch must never be acknowledged.
 * @internal
 */
export type ChainRunner = (
  records: unknown[],
  outs: unknown[][],
  ts: number[] | null,
  outTs: number[][] | null,
) => Promise<boolean>;

/**
 * Called when a stage's fault handler gave up under `'fail'`: the branch is ended (the caller
 * marks it dead and ends the pipelines below it); the fused loop goes on with its siblings.
 * @internal
 */
export type StageFailed = (branch: ChainBranch, err: unknown) => void;

/**
 * Compiles a stage tree into one specialised async function: a single loop over the batch in
 * which every stage is inlined with its own call site (monomorphic calls, no intermediate
 * arrays, no per-stage stream hop). This is Flink's operator chaining, done by generating code.
 *
 * Every stage call is guarded: a thrown error (or rejected promise) goes to that stage's fault
 * handler, which answers a retried value, {@link SKIP}, or throws. When it throws (`'fail'`),
 * the stage is ended (`failed(branch, err)`): records that reach it afterwards are lost to
 * its branch (the runner resolves `true`) while sibling branches go on. A result that is a
 * Promise is awaited in place, so user functions may be sync or async; sync functions never
 * pay for an `await`.
 *
 * Each stage counts what it handed on in a local variable (one increment per record, no
 * memory traffic); the counts are added to the branch's {@link OperatorStats} once per batch.
 *
 * @param roots - the branches under the node's output.
 * @param handlerFor - builds the fault handler of one stage.
 * @param failed - called once per stage that fails under `'fail'`.
 * @internal
 */
export function compileChain(
  roots: ChainBranch[],
  outputs: number,
  handlerFor: (branch: ChainBranch) => FaultHandler,
  withTimestamps: boolean,
  failed: StageFailed,
): ChainRunner {
  const F: unknown[] = [];
  const H: FaultHandler[] = [];
  const C: unknown[] = [];
  const B: ChainBranch[] = [];
  let prelude = "";
  let locals = "";
  let flush = "";

  const gen = (b: ChainBranch, v: string, inCount: string): string => {
    if (b.stage === null)
      return withTimestamps ? `o${b.out}.push(${v}); u${b.out}.push(t);` : `o${b.out}.push(${v});`;
    const s = b.stage;
    const k = F.length;
    F.push(s.fn);
    C.push(s.calculator);
    H.push(handlerFor(b));
    B.push(b);
    prelude += `const f${k} = F[${k}], h${k} = H[${k}], c${k} = C[${k}], s${k} = B[${k}].stats;\n`;
    locals += `let d${k} = B[${k}].dead === true, n${k} = 0;\n`;
    if (b.stats !== undefined)
      flush += `if (s${k} !== undefined) { s${k}.recordsIn += ${inCount}; s${k}.recordsOut += n${k}; }\n`;
    const w = `v${k}`;
    const kids = (x: string) => b.children.map((c) => gen(c, x, `n${k}`)).join("\n");
    const call = s.kind === "calc" ? `c${k}.calc(${v})` : `f${k}(${v})`;
    const guarded = (target: string) =>
      `if (d${k}) { lost = true; break b${k}; }
       try { ${target} = ${call}; if (${target} instanceof P) ${target} = await ${target}; }
       catch (e) {
         try { ${target} = h${k}(e, ${v}); if (${target} instanceof P) ${target} = await ${target}; }
         catch (fe) { d${k} = true; lost = true; FAIL(B[${k}], fe); break b${k}; }
         if (${target} === SKIP) break b${k}; }`;
    switch (s.kind) {
      case "map":
        return `b${k}: { let ${w}; ${guarded(w)} n${k}++;\n${kids(w)} }`;
      case "filter":
        return `b${k}: { let t${k}; ${guarded(`t${k}`)} if (!t${k}) break b${k}; n${k}++;\n${kids(v)} }`;
      case "mutate":
      case "tap":
        return `b${k}: { let t${k}; ${guarded(`t${k}`)} n${k}++;\n${kids(v)} }`;
      case "flatMap": {
        const body = kids(w);
        return `b${k}: { let it${k}; ${guarded(`it${k}`)}
          if (!isArray(it${k})) it${k} = Array.from(it${k});
          n${k} += it${k}.length;
          for (let j${k} = 0; j${k} < it${k}.length; j${k}++) { const ${w} = it${k}[j${k}];\n${body} } }`;
      }
      case "calc": {
        return `b${k}: { let it${k}; ${guarded(`it${k}`)}
          if (it${k} === undefined) break b${k};
          if (isArray(it${k})) { n${k} += it${k}.length; for (let j${k} = 0; j${k} < it${k}.length; j${k}++) { const ${w} = it${k}[j${k}];\n${kids(w)} } }
          else { n${k}++; const ${w} = it${k};\n${kids(w)} } }`;
      }
    }
  };

  const loopBody = roots.map((r) => gen(r, "r", "i")).join("\n");
  const outDecl = Array.from(
    { length: outputs },
    (_, j) => `const o${j} = outs[${j}];${withTimestamps ? ` const u${j} = outTs[${j}];` : ""}`,
  ).join(" ");
  const source = `${prelude}
return async function fusedChain(records, outs, ts, outTs) {
  ${outDecl}
  ${locals}
  let lost = false;
  const n = records.length;
  let i = 0;
  try {
    for (; i < n; i++) {
      const r = records[i];${withTimestamps ? "\n      const t = ts[i];" : ""}
      ${loopBody}
    }
  } finally {
    ${flush}
  }
  return lost;
};`;
  const factory = new Function("F", "H", "C", "B", "SKIP", "P", "isArray", "FAIL", source);
  return factory(F, H, C, B, SKIP, Promise, Array.isArray, failed) as ChainRunner;
}

/** Whether a tree is only leaves (no stage): the node then passes its batch through as is. @internal */
export function isIdentity(roots: ChainBranch[]): boolean {
  return roots.every((r) => r.stage === null);
}

/** The output edges (leaf `out` indices) under `branch`. @internal */
export function leavesOf(branch: ChainBranch): number[] {
  if (branch.stage === null) return [branch.out];
  return branch.children.flatMap(leavesOf);
}

/** The kind shown for a stage (`compute` for a calculator). @internal */
export function stageKindName(kind: StageSpec["kind"]): string {
  return kind === "calc" ? "compute" : kind;
}
