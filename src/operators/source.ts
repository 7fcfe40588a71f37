import type { OperatorContext } from "./context.js";
import type { FailbackDecision } from "./fault-policy.js";
import type { LifecycleHooks } from "./lifecycle.js";

/** @internal Symbol under which the runtime installs a source's reject handler. */
export const REJECT = Symbol("mass.reject");

/** A checkpoint a restore might resume from, as a source sees it (see `Source.restorable`). */
export interface RestoreCandidate {
  /** The checkpoint's id. */
  readonly id: number;
  /** This source's position in it, as `snapshotPosition()` returned it; `undefined` if none. */
  readonly position: unknown;
}

/**
 * A source of records (see docs/operators.md). Implement `consume(size)`: return up to `size`
 * records, an empty array when nothing is available yet, or `null` at the end of the input.
 * The runtime calls it again only when downstream has room (backpressure).
 *
 * Optional `ack(position)`: called in source order once every record before `position`
 * (a count of records this source returned, 0-based exclusive end) has been fully handled on
 * every path: written by every sink it reaches, filtered out, skipped or dead-lettered.
 * Connectors commit on it (Kafka offsets): at-least-once without user code. If a node
 * downstream fails, acks stop: nothing past a failure is ever acknowledged.
 *
 * @typeParam T - record type.
 */
export abstract class Source<T> implements LifecycleHooks<unknown> {
  /** Display name in the topology and errors. Default: the class name. */
  name?: string;

  /** @internal set by the runtime: routes a malformed input through the node's fault policy. */
  [REJECT]?: (input: unknown, error: unknown) => void;

  /**
   * Returns up to `size` records; `[]` if none is ready yet (the runtime calls again after a
   * short pause); `null` when the input is exhausted.
   * @param size - the batch size of this node, in records.
   */
  abstract consume(size: number): T[] | null | Promise<T[] | null>;

  /** Optional: every record before `position` is handled (see class docs). */
  ack?(position: number): void | Promise<void>;

  /**
   * Optional: the source's event-time watermark after the batch it just returned (epoch ms;
   * e.g. from a broker's timestamps, or a test harness). The runtime asks after every batch and
   * forwards it downstream when it advanced. Most sources leave this to `withTimestamps`.
   */
  currentWatermark?(): number | undefined;

  /**
   * Optional, for checkpoints (docs/checkpoints.md): the position to resume from, as of the last
   * batch `consume` returned (a file offset, Kafka offsets per partition, a database cursor), as
   * a value `v8.serialize` can write. Called when a checkpoint barrier is injected after that
   * batch. A source without it is replayed from its start on restore.
   */
  snapshotPosition?(): unknown;

  /**
   * Optional, for checkpoints: resume from `position` (taken by `snapshotPosition` in an earlier
   * run) instead of the start or the committed offsets. Called after `open` and before the first
   * `consume`.
   */
  restorePosition?(position: unknown): void | Promise<void>;

  /**
   * Optional, for checkpoints: checkpoint `id` is complete (every node stored its state), so the
   * `position` this source gave for it is durable: commit it to the external system (Kafka
   * offsets, a cursor table) and finish any transaction pre-committed for it (two-phase commit).
   */
  checkpointComplete?(id: number, position: unknown): void | Promise<void>;

  /**
   * Optional, for restoring with `env.run({ restore: true })` (docs/checkpoints.md, "Which
   * checkpoint is restored"): whether resuming from `checkpoint` is consistent with what this
   * source's external system committed. A checkpoint is stored before its second phase commits
   * (two-phase commit: a Kafka transaction with the consumed offsets), so a crash between the
   * two leaves the newest checkpoint in the store while its commit never happened. The runtime
   * walks the store's regular checkpoints newest first and restores the first one that every
   * source implementing this hook accepts; `checkpoint` `null` asks whether starting without
   * any checkpoint is consistent (nothing was ever committed by a checkpoint). If no candidate
   * is accepted the run fails with a StateError. Called before `open()`: open and close your
   * own client here. Not asked for `restore: { from }` (the caller chose).
   * @param checkpoint - the candidate's id and this source's position in it (`snapshotPosition()`).
   * @returns `true` to accept; `false`, or a string saying what the external system holds
   *   instead (it goes into the log and the StateError), to refuse.
   * @throws any error: the run fails before anything is opened.
   */
  restorable?(checkpoint: RestoreCandidate | null): boolean | string | Promise<boolean | string>;

  open?(ctx: OperatorContext): void | Promise<void>;
  /**
   * Called once when `consume` returned `null` (not after `env.stop()`), once every batch it
   * emitted was acknowledged — or could no longer be, after a failure below it; `cleanup()`
   * follows. So `ack()` never reaches a source whose client `done()`/`cleanup()` closed.
   */
  done?(): void | Promise<void>;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
  failback?(err: Error, input: unknown): FailbackDecision;

  /**
   * For implementers: hands a malformed input (a bad line, a bad row) to the node's fault
   * policy instead of failing outright. Under `'fail'` it throws `error`; under `'skip'` the
   * input is counted; under `'dead-letter'` it goes to `env.deadLetters`. Outside a running
   * job it throws `error`.
   */
  protected reject(input: unknown, error: unknown): void {
    const handler = this[REJECT];
    if (handler === undefined) throw error;
    handler(input, error);
  }
}
