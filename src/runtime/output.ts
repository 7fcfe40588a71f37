import { type AckToken, retainAll } from "./ack.js";
import type { Barrier, StreamStatus, Watermark } from "./envelope.js";
import type { InputPort } from "./port.js";

/**
 * Writes one array of records per output port (index `j` to `ports[j]`), each cut at
 * `batchSize`, every envelope holding a reference on `acks`. Records for a dead port (its
 * pipeline ended) are not delivered: their acks get a reference that is never released, so
 * their source batches are never acknowledged (at-least-once).
 * @returns the records written, and a promise of room on every full port (or `undefined`).
 * @internal
 */
export function writeBatches(
  ports: readonly InputPort[],
  outs: unknown[][],
  outTs: number[][] | null,
  acks: AckToken[] | null,
  batchSize: number,
): { written: number; room: Promise<void> | undefined } {
  let waits: Promise<void>[] | null = null;
  let written = 0;
  for (let j = 0; j < outs.length; j++) {
    const port = ports[j];
    const out = outs[j];
    if (out === undefined || out.length === 0) continue;
    if (port.dead) {
      retainAll(acks);
      continue;
    }
    const ts = outTs === null ? null : outTs[j];
    written += out.length;
    let full = false;
    if (out.length <= batchSize) {
      retainAll(acks);
      full = !port.write({ records: out, acks, timestamps: ts });
    } else {
      for (let i = 0; i < out.length; i += batchSize) {
        retainAll(acks);
        const piece = {
          records: out.slice(i, i + batchSize),
          acks,
          timestamps: ts === null ? null : ts.slice(i, i + batchSize),
        };
        full = !port.write(piece) || full;
      }
    }
    if (full) {
      waits ??= [];
      waits.push(port.waitDrain());
    }
  }
  return { written, room: waits === null ? undefined : Promise.all(waits).then(() => {}) };
}

/** Writes a control chunk to every live port; a promise of room on the full ones, or `undefined`. @internal */
export function writeControl(
  ports: readonly InputPort[],
  chunk: Watermark | StreamStatus | Barrier,
): Promise<void> | undefined {
  let waits: Promise<void>[] | null = null;
  for (const port of ports) {
    if (port.dead) continue;
    if (!port.write(chunk)) {
      waits ??= [];
      waits.push(port.waitDrain());
    }
  }
  return waits === null ? undefined : Promise.all(waits).then(() => {});
}
