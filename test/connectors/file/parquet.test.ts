import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { beforeAll, describe, expect, it } from "vitest";
import { Env, ParquetSource, parquetSource } from "../../../src/index.js";

let dir: string;
let path: string;
const N = 2500;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-parquet-"));
  path = join(dir, "t.parquet");
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "id", data: BigInt64Array.from({ length: N }, (_, i) => BigInt(i)), type: "INT64" },
      {
        name: "origin",
        data: Array.from({ length: N }, (_, i) => ["SFO", "JFK", "ORD"][i % 3]),
        type: "STRING",
      },
      { name: "delay", data: Float64Array.from({ length: N }, (_, i) => i / 4), type: "DOUBLE" },
    ],
    rowGroupSize: 1000,
  });
  await writeFile(path, new Uint8Array(buf));
});

describe("Parquet source", () => {
  it("reads every row of every row group, in order, INT64 as numbers", async () => {
    const rows = await new Env({ batchSize: 300 })
      .from(parquetSource<{ id: number; origin: string; delay: number }>(path))
      .toArray();
    expect(rows).toHaveLength(N);
    rows.forEach((r, i) => {
      expect(r).toEqual({ id: i, origin: ["SFO", "JFK", "ORD"][i % 3], delay: i / 4 });
    });
  });

  it("reads selected columns, INT64 as bigint on request", async () => {
    const rows = await new Env()
      .from(parquetSource<{ id: bigint }>(path, { columns: ["id"], int64: "bigint" }))
      .toArray();
    expect(rows[7]).toEqual({ id: 7n });
  });

  it("holds one row group at a time (never the whole file)", async () => {
    const src = new ParquetSource(path);
    await src.open();
    expect(src.numRows).toBe(N);
    const first = await src.consume(10);
    expect(first).toHaveLength(10);
    // the decoded columns cover one row group (1000 rows), not the 2500 of the file
    const held = (src as unknown as { rows: number }).rows;
    expect(held).toBe(1000);
    src.cleanup();
  });

  it("a missing file fails with the path", async () => {
    await expect(new Env().from(parquetSource(join(dir, "nope.parquet"))).toArray()).rejects.toThrow(
      /parquet: cannot open/,
    );
  });
});
