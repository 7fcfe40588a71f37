import { ConnectorError } from "../../errors.js";

/**
 * A cursor position: the values of the cursor column and, when there is one, of the
 * tie-breaker column of the last row read, in that order.
 */
export type CursorTuple = unknown[];

type Tagged = { n: number } | { b: string } | { d: string } | { s: string } | { x: string } | null;

/**
 * Encodes a cursor tuple for an offset store: JSON with each value tagged by type so that a
 * Date, a bigint or a Buffer comes back as itself.
 * @internal
 */
export function encodeCursor(values: CursorTuple): string {
  return JSON.stringify(
    values.map((v): Tagged => {
      if (v === null || v === undefined) return null;
      if (typeof v === "number") return { n: v };
      if (typeof v === "bigint") return { b: v.toString() };
      if (v instanceof Date) return { d: v.toISOString() };
      if (Buffer.isBuffer(v)) return { x: v.toString("hex") };
      return { s: String(v) };
    }),
  );
}

/**
 * Decodes what {@link encodeCursor} wrote.
 * @throws ConnectorError naming the key when the stored value is not a cursor of `arity` values.
 * @internal
 */
export function decodeCursor(text: string, arity: number, key: string): CursorTuple {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConnectorError(`stored cursor "${key}" is not valid JSON: ${text.slice(0, 100)}`, {
      cause: err,
    });
  }
  if (!Array.isArray(parsed) || parsed.length !== arity) {
    throw new ConnectorError(
      `stored cursor "${key}" has ${Array.isArray(parsed) ? parsed.length : "no"} values, the source's cursor has ${arity}: the cursor columns changed; use another offsetKey or delete the stored one`,
    );
  }
  return parsed.map((t: Tagged) => {
    if (t === null) return null;
    if ("n" in t) return t.n;
    if ("b" in t) return BigInt(t.b);
    if ("d" in t) return new Date(t.d);
    if ("x" in t) return Buffer.from(t.x, "hex");
    return t.s;
  });
}

/**
 * `WHERE` part selecting the rows strictly after `cursor` in `(columns...)` order, with `?`
 * placeholders and their values. Written so that an index on the cursor column serves it as a
 * range (`c >= ? AND (c > ? OR t > ?)` rather than a row comparison).
 * @param columns - escaped, qualified column names (cursor, then tie-breaker).
 * @internal
 */
export function afterCursor(columns: string[], cursor: CursorTuple): { sql: string; params: unknown[] } {
  if (columns.length === 1) return { sql: `${columns[0]} > ?`, params: [cursor[0]] };
  const [c, t] = columns;
  return { sql: `${c} >= ? AND (${c} > ? OR ${t} > ?)`, params: [cursor[0], cursor[0], cursor[1]] };
}

/** `WHERE` part selecting the rows at or before `cursor` (the snapshot's upper bound). @internal */
export function upToCursor(columns: string[], cursor: CursorTuple): { sql: string; params: unknown[] } {
  if (columns.length === 1) return { sql: `${columns[0]} <= ?`, params: [cursor[0]] };
  const [c, t] = columns;
  return { sql: `${c} <= ? AND (${c} < ? OR ${t} <= ?)`, params: [cursor[0], cursor[0], cursor[1]] };
}
