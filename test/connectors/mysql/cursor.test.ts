import { describe, expect, it } from "vitest";
import { afterCursor, decodeCursor, encodeCursor, upToCursor } from "../../../src/connectors/mysql/cursor.js";
import { mysqlSink, mysqlSource } from "../../../src/connectors/mysql/index.js";
import { ConfigError } from "../../../src/index.js";

describe("mysql cursor", () => {
  it("round-trips numbers, bigints, dates, strings, buffers and nulls through the store's text", () => {
    const values = [
      42,
      9007199254740993n,
      new Date("2024-02-29T12:34:56.789Z"),
      "k'ey",
      Buffer.from([0, 255]),
      null,
    ];
    expect(decodeCursor(encodeCursor(values), values.length, "k")).toEqual(values);
  });

  it("a stored cursor of the wrong arity or text is a ConnectorError naming the key", () => {
    expect(() => decodeCursor(encodeCursor([1]), 2, "mysql:t:ts,id")).toThrow(/"mysql:t:ts,id" has 1 values/);
    expect(() => decodeCursor("{", 1, "k")).toThrow(/not valid JSON/);
  });

  it("builds range-friendly WHERE parts with parameters, never inlined values", () => {
    expect(afterCursor(["`id`"], [5])).toEqual({ sql: "`id` > ?", params: [5] });
    expect(afterCursor(["`ts`", "`id`"], ["x", 7])).toEqual({
      sql: "`ts` >= ? AND (`ts` > ? OR `id` > ?)",
      params: ["x", "x", 7],
    });
    expect(upToCursor(["`ts`", "`id`"], ["y", 9])).toEqual({
      sql: "`ts` <= ? AND (`ts` < ? OR `id` <= ?)",
      params: ["y", "y", 9],
    });
  });

  it("validates options when built, naming the option", () => {
    const connection = { host: "127.0.0.1" };
    expect(() => mysqlSource({ connection, table: "t", cursor: "id", columns: ["name"] })).toThrow(
      /columns must include the cursor column "id"/,
    );
    expect(() => mysqlSource({ connection, query: "SELECT 1", cursor: "id", columns: ["id"] })).toThrow(
      ConfigError,
    );
    expect(() =>
      mysqlSource({ connection, table: "t", cursor: { column: "ts", tiebreaker: "id" } } as never),
    ).toThrow(/did you mean "tieBreaker"/);
    expect(() => mysqlSink({ connection, table: "t", rowsPerStatement: 0 })).toThrow(
      /rowsPerStatement must be an integer >= 1, got 0/,
    );
    expect(() => mysqlSink({ connection, table: "t", columns: { a: 3 } } as never)).toThrow(
      /columns.a must be/,
    );
  });
});
