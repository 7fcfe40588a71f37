import { StateError } from "../errors.js";

/**
 * Checks a position given to a source's `restorePosition` (taken by its `snapshotPosition` in an
 * earlier run) and returns it typed.
 * @param source - the source's name, for the message.
 * @param ok - whether `position` has the expected shape.
 * @param expected - what was expected, e.g. `"a record count >= 0"`.
 * @throws StateError naming the source, what it expected and what it got.
 * @internal
 */
export function checkPosition<P>(source: string, position: unknown, ok: boolean, expected: string): P {
  if (!ok) {
    let got: string;
    try {
      got = JSON.stringify(position) ?? String(position);
    } catch {
      got = String(position);
    }
    throw new StateError(
      `${source} source: cannot resume from position ${got}: expected ${expected} (a position this source's snapshotPosition() wrote)`,
      { connector: source },
    );
  }
  return position as P;
}

/** Whether `x` is an integer >= 0. @internal */
export function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}
