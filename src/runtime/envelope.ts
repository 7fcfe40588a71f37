import type { AckToken } from "./ack.js";

/**
 * A batch of records travelling on one edge, with the acknowledgement tokens of the source
 * batches its records came from (`null` when no source upstream wants acks).
 * @internal
 */
export interface Batch {
  readonly records: unknown[];
  readonly acks: AckToken[] | null;
  /** Event time of each record in ms (same length as `records`), or `null` without event time. */
  readonly timestamps: number[] | null;
}

/**
 * Event-time watermark control signal: no record with a timestamp `<= ts` is expected any
 * more on this edge. Travels in order with the batches on the same edge; user functions never
 * see it. `+Infinity` marks the end of a bounded input.
 * @internal
 */
export class Watermark {
  constructor(readonly ts: number) {}
}

/**
 * Input status control signal (Flink's WatermarkStatus): an input that received nothing for
 * `idleTimeout` ms is `idle` and left out of the minimum watermark of the node it feeds, until
 * it sends records (or `idle: false`) again.
 * @internal
 */
export class StreamStatus {
  constructor(readonly idle: boolean) {}
}

/**
 * Checkpoint barrier (Flink's CheckpointBarrier, asynchronous barrier snapshotting): injected
 * by every source after a batch when the coordinator triggers checkpoint `id`; travels in
 * order with the batches and watermarks on every edge. A node snapshots its state once the
 * barrier arrived on all its inputs (alignment), then forwards it (docs/checkpoints.md).
 * @internal
 */
export class Barrier {
  constructor(
    /** Checkpoint id. */
    readonly id: number,
    /** Whether this checkpoint is a savepoint. */
    readonly savepoint: boolean,
  ) {}
}

/** What travels on an edge. @internal */
export type Chunk = Batch | Watermark | StreamStatus | Barrier;
