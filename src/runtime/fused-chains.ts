import type { StageSpec } from "../operators/stage.js";
import { type ChainBranch, type ChainRunner, compileChain, isIdentity } from "./chain.js";
import type { FaultHandler } from "./fault.js";
import type { OperatorStats } from "./stats.js";
import { newOperatorStats } from "./stats.js";

/** Tag of a node's main output. @internal */
export const MAIN = "main";

/** What the chains need from their node. @internal */
export interface ChainHooks {
  /** Number of output edges of the node. */
  outputs(): number;
  /** The stage at the root of the main chain (a calculator), if any. */
  rootStage(): StageSpec | null;
  handlerFor(branch: ChainBranch): FaultHandler;
  stageFailed(branch: ChainBranch, err: unknown, isRoot: boolean): void;
}

/**
 * The stage trees of one node's outputs (main and side outputs) and their compiled runners
 * (see {@link compileChain}), cached per output tag, with or without timestamps, with or
 * without the root stage (a calculator's `done()` output skips it).
 * @internal
 */
export class FusedChains {
  /** Stage tree under the main output; leaves index the node's outputs. */
  main: ChainBranch[] = [];
  /** Stage trees under side outputs (e.g. `"late"`). */
  readonly side = new Map<string, ChainBranch[]>();
  private readonly runners = new Map<string, ChainRunner | null>();
  private root: ChainBranch | null | undefined;

  constructor(private readonly hooks: ChainHooks) {}

  /** The roots under output `tag`. */
  rootsOf(tag: string): ChainBranch[] {
    return tag === MAIN ? this.main : (this.side.get(tag) ?? []);
  }

  /** Counters of the root stage (the node's calculator), once compiled. */
  get rootStats(): OperatorStats | undefined {
    return this.root?.stats;
  }

  /** Whether the main chain starts with a root stage (known once a runner was asked for). */
  get hasRoot(): boolean {
    return this.root !== null && this.root !== undefined;
  }

  /** The root stage's branch with `children`; its counters are shared by every variant. */
  private rootBranchOf(children: ChainBranch[]): ChainBranch | null {
    if (this.root === undefined) {
      const stage = this.hooks.rootStage();
      this.root = stage === null ? null : { stage, out: -1, children: [], stats: newOperatorStats() };
    }
    return this.root === null ? null : { ...this.root, children };
  }

  /** The compiled chain of output `tag`; `null` when the chain is only leaves (identity). */
  runner(tag: string, withTs: boolean, belowRoot: boolean): ChainRunner | null {
    const cacheKey = `${tag}|${withTs ? 1 : 0}|${belowRoot ? 1 : 0}`;
    let r = this.runners.get(cacheKey);
    if (r !== undefined) return r;
    let roots = this.rootsOf(tag);
    const root = tag === MAIN && !belowRoot ? this.rootBranchOf(roots) : null;
    if (root !== null) roots = [root];
    r = isIdentity(roots)
      ? null
      : compileChain(
          roots,
          this.hooks.outputs(),
          (b) => this.hooks.handlerFor(b),
          withTs,
          (b, err) => this.hooks.stageFailed(b, err, root !== null && b.stage === root.stage),
        );
    this.runners.set(cacheKey, r);
    return r;
  }

  /** Every fused stage (not the root calculator), with its branch (counters, id, state). */
  branches(): ChainBranch[] {
    const out: ChainBranch[] = [];
    const visit = (b: ChainBranch) => {
      if (b.stage === null) return;
      out.push(b);
      for (const c of b.children) visit(c);
    };
    for (const b of this.main) visit(b);
    for (const roots of this.side.values()) for (const b of roots) visit(b);
    return out;
  }
}
