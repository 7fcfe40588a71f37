import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { StateError } from "../../errors.js";

/**
 * Serializes one part of a checkpoint with `v8.serialize` (the structured-clone format: Maps,
 * Sets, bigint, typed arrays, ±Infinity survive).
 * @throws StateError naming `what` when the value holds something v8 cannot write (a function).
 * @internal
 */
export function encodePart(what: string, value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (err) {
    throw new StateError(
      `checkpoint: the state of ${what} cannot be serialized (${(err as Error).message}); snapshots must be plain data (objects, arrays, Map, Set, numbers, strings, bigint, typed arrays)`,
      { cause: err },
    );
  }
}

/** Reads a part written by {@link encodePart}. @internal */
export function decodePart(buf: Buffer): unknown {
  return deserialize(buf);
}

/** Hex SHA-256 of `buf`. @internal */
export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}
