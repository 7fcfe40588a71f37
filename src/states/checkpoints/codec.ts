import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { StateError } from "../../errors.js";
import { decodePlain, encodePlain, PLAIN_MAGIC } from "./plain-codec.js";

/** Size of the last part written per operator, bytes (bounded: a few entries per job). */
const sizeHints = new Map<string, number>();

/**
 * Serializes one part of a checkpoint: with the plain codec (./plain-codec.ts: plain objects,
 * arrays, Map, Set, numbers incl. ±Infinity and NaN, strings, bigint, Date; other values such as
 * typed arrays through `v8.serialize`), several times faster than `v8.serialize` alone on many
 * small objects; a value nested too deep for it (a cycle) is written with `v8.serialize` whole.
 * @throws StateError naming `what` when the value holds something that cannot be written (a
 *   function, a symbol).
 * @internal
 */
export function encodePart(what: string, value: unknown): Buffer {
  try {
    const buf = encodePlain(value, sizeHints.get(what)) ?? serialize(value);
    // the next part of this operator starts with room for this one (no regrowing copies)
    if (sizeHints.size < 10_000 || sizeHints.has(what)) sizeHints.set(what, buf.length + (buf.length >> 3));
    return buf;
  } catch (err) {
    throw new StateError(
      `checkpoint: the state of ${what} cannot be serialized (${(err as Error).message}); snapshots must be plain data (objects, arrays, Map, Set, numbers, strings, bigint, typed arrays)`,
      { cause: err },
    );
  }
}

/**
 * Reads a part written by {@link encodePart} (or by `v8.serialize`, as Mass wrote every part
 * before the plain codec: its first byte is 0xFF, the plain codec's {@link PLAIN_MAGIC}).
 * @throws Error when the bytes are neither.
 * @internal
 */
export function decodePart(buf: Buffer): unknown {
  return buf[0] === PLAIN_MAGIC ? decodePlain(buf) : deserialize(buf);
}

/** Hex SHA-256 of `buf`. @internal */
export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}
