import { type ChainBranch, leavesOf, stageKindName } from "./chain.js";
import { pipelineError } from "./fault.js";
import type { RuntimeNode } from "./node.js";

/**
 * A fused stage of `node` gave up under `'fail'` (failure isolation inside a chain, see
 * docs/runtime.md, "Failures"): the branch is marked dead, the pipelines below it end (the
 * nodes its output edges feed are cancelled with the error) while the node and its other
 * branches run on; the error goes to the run's errors. When nothing else remains below the
 * node, or the stage is the node's own calculator (`isRoot`), the node fails as a whole.
 * @internal
 */
export function endBranch(node: RuntimeNode, branch: ChainBranch, err: unknown, isRoot: boolean): void {
  if (node.settled) return;
  const stage = branch.stage!;
  const perr = pipelineError(node.name, stage.name, err, {}, 1, stageKindName(stage.kind));
  branch.dead = true;
  branch.error = perr;
  const leaves = leavesOf(branch);
  const othersLive = node.outputs.some((p, j) => !p.dead && !leaves.includes(j));
  if (isRoot || !othersLive) {
    node.fail(perr);
    return;
  }
  node.branchErrors.push(perr);
  node.job.logger.debug({ node: node.name, operator: stage.name }, `branch ended: ${perr.message}`);
  for (const j of leaves) {
    const port = node.outputs[j];
    const target = node.downstream.find((d) => d.inputs.includes(port));
    target?.cancel(perr);
  }
}
