import type { AckToken } from "./ack.js";

/**
 * A batch of records travelling on one edge, with the acknowledgement tokens of the source
 * batches its records came from (`null` when no source upstream wants acks).
 * @internal
 */
export interface Batch {
  readonly records: unknown[];
  readonly acks: AckToken[] | null;
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

/** What travels on an edge. @internal */
export type Chunk = Batch | Watermark;
