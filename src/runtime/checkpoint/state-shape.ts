import { StateError } from "../../errors.js";

/**
 * Helpers that check the shape of a snapshot given to `restoreState` (a checkpoint written by
 * another version of the job, or by another operator under the same id) and fail with a
 * {@link StateError} that names the node, what it expected and what it got.
 * @internal
 */

/** A short description of a value for error messages: its type, and its `kind` tag if it has one. */
export function describeState(s: unknown): string {
  if (s === null) return "null";
  if (Array.isArray(s)) return `an array of ${s.length}`;
  if (s instanceof Map) return "a Map";
  if (typeof s === "object") {
    const kind = (s as { kind?: unknown }).kind;
    return typeof kind === "string" ? `the state of a "${kind}" node` : "an object";
  }
  return `${typeof s} ${String(s)}`;
}

/**
 * The snapshot as the object `{ kind, v, ... }` a node of kind `kind` wrote, else a StateError.
 * @param node - the node's name, for the message.
 * @param kind - the node kind the snapshot must come from (e.g. `"window:session"`).
 * @throws StateError when `s` is not such an object.
 */
export function expectState<S extends object>(node: string, kind: string, s: unknown): S & { v: number } {
  if (s === null || typeof s !== "object" || (s as { kind?: unknown }).kind !== kind) {
    throw new StateError(
      `node "${node}": cannot restore ${describeState(s)}: expected the state of a "${kind}" node (the checkpoint was written by another operator under this id; rename one of them, or drop the state)`,
      { node },
    );
  }
  if ((s as { v?: unknown }).v !== 1) {
    throw new StateError(
      `node "${node}": the "${kind}" state has version ${String((s as { v?: unknown }).v)}, this version of Mass reads version 1`,
      { node },
    );
  }
  return s as S & { v: number };
}

/**
 * Asserts `cond` about a restored state, else throws a StateError naming the node and `what`
 * was expected. `what` may be a function, called only on failure (for checks made once per key
 * of a large state: no message is built for the keys that pass).
 * @throws StateError when `cond` is false.
 */
export function checkState(cond: boolean, node: string, what: string | (() => string)): asserts cond {
  if (!cond) {
    const expected = typeof what === "string" ? what : what();
    throw new StateError(`node "${node}": cannot restore its state: expected ${expected}`, { node });
  }
}

/** Whether `x` is an array of `[key, value]` pairs. */
export function isPairs(x: unknown): x is [unknown, unknown][] {
  return Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2);
}
