/**
 * What a checkpoint is once complete, and the interface of the stores that keep them
 * (docs/checkpoints.md). As Flink's CheckpointStorage: the runtime hands a complete checkpoint
 * to the store in one call; a store makes it visible atomically (a reader sees a checkpoint
 * whole or not at all).
 * @packageDocumentation
 */

/**
 * The part of one operator in a checkpoint, keyed by its stable operator id (the `name` the
 * user gave, else `kind@nodeId`, see `env.topology().nodes[].stateId`).
 */
export interface OperatorPart {
  /** The node's kind (`source`, `window`, `keyedAgg`, `compute`...), for messages. */
  readonly kind: string;
  /** The node's state (`snapshotState()`), when it keeps any. */
  readonly state?: unknown;
  /** A source's position (`snapshotPosition()`), when it gives one. */
  readonly position?: unknown;
  /** The node's combined event-time watermark at the barrier (epoch ms), when finite. */
  readonly watermark?: number;
  /** The node had finished (every input ended) before the barrier: nothing to restore. */
  readonly finished?: boolean;
}

/** A complete checkpoint or savepoint. */
export interface CheckpointData {
  /** Checkpoint id: increasing within a store (a restored job goes on after the highest). */
  readonly id: number;
  /** Whether it is a savepoint (taken on request, kept apart from the last-N rotation). */
  readonly savepoint: boolean;
  /** When the barrier was injected, epoch ms. */
  readonly timestamp: number;
  /** Name of the Env that took it. */
  readonly job: string;
  /** Every operator's part, by operator id. */
  readonly parts: Readonly<Record<string, OperatorPart>>;
}

/** Where a stored checkpoint is and how big it is. */
export interface StoredCheckpoint {
  readonly id: number;
  readonly savepoint: boolean;
  /** Location to pass to `env.run({ restore: { from } })`: a directory path, or `mem:<id>`. */
  readonly location: string;
  /** Serialized size of every part, in bytes. */
  readonly bytes: number;
  /** When it was taken, epoch ms. */
  readonly timestamp: number;
}

/**
 * A pluggable checkpoint store. Implementations: {@link directoryCheckpointStore} (the
 * default: a local directory, atomic via temp directory + fsync + rename, SHA-256 per part),
 * {@link memoryCheckpointStore} (tests).
 */
export interface CheckpointStore {
  /** For messages, e.g. `directory /var/lib/mass/ckpt`. */
  readonly description: string;
  /**
   * Stores a complete checkpoint atomically: once it resolves, `latest()` / `load()` see it
   * whole; if the process dies during the call, they never see it at all.
   * @throws ConnectorError (retriable when the I/O may succeed later).
   */
  write(checkpoint: CheckpointData): Promise<StoredCheckpoint>;
  /**
   * The newest complete regular checkpoint (savepoints are only restored by location), or
   * `undefined` when there is none. Incomplete or corrupt ones are skipped.
   */
  latest(): Promise<(CheckpointData & { readonly location: string }) | undefined>;
  /**
   * Loads the checkpoint or savepoint at `location` (a value of {@link StoredCheckpoint.location}).
   * @throws StateError when it does not exist, is incomplete, or fails its checksums.
   */
  load(location: string): Promise<CheckpointData & { readonly location: string }>;
  /** Complete checkpoints and savepoints, oldest first. */
  list(): Promise<StoredCheckpoint[]>;
  /** Deletes regular checkpoints but the newest `retain`; savepoints are kept. */
  prune(retain: number): Promise<void>;
}
