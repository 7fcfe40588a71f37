/**
 * The contract between checkpoint barriers and the nodes and sources that hold state
 * (docs/checkpoints.md). As in Flink's asynchronous barrier snapshotting: when a barrier has
 * passed every input of a node, the runtime asks the node for a copy of its state; when every
 * node answered, the checkpoint is complete and the sources' positions may be committed.
 * @packageDocumentation
 */

/**
 * State of one node or source at a checkpoint: any value `v8.serialize` writes (plain objects,
 * arrays, `Map`, `Set`, numbers incl. ±Infinity, strings, bigint, `Uint8Array`), never a
 * function or a class instance with behaviour. It must not share mutable structures with the
 * live state: the node goes on mutating its state after the barrier.
 */
export type NodeState = unknown;

/**
 * A runtime node that keeps state across batches (windows, keyed running state, join buffers,
 * timers, watermarks). Stateless nodes do not implement it.
 * @internal
 */
export interface Snapshottable {
  /**
   * A copy of the node's state as of the barrier being processed (every record before the
   * barrier absorbed, none after it). `undefined` when the node has nothing to keep.
   */
  snapshotState(): NodeState | undefined;
  /**
   * Replaces the node's (empty, freshly built) state with `state`, taken by `snapshotState()`
   * of a node with the same operator id in an earlier run. Called before the node's first
   * record.
   * @throws StateError when `state` has a shape this node cannot read.
   */
  restoreState(state: NodeState): void;
}

/** Whether `node` implements {@link Snapshottable}. @internal */
export function isSnapshottable(node: object): node is Snapshottable {
  const n = node as Partial<Snapshottable>;
  return typeof n.snapshotState === "function" && typeof n.restoreState === "function";
}
