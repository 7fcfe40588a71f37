import { asyncBufferFromFile, type FileMetaData, parquetMetadataAsync, parquetRead } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ConnectorError } from "../../errors.js";
import { Source } from "../../operators/source.js";
import { checkPosition, isCount } from "../../operators/source-position.js";
import { checkKeys } from "../../util/validate.js";
import { checkInputFile, checkPath } from "./input-file.js";

/** Options of {@link ParquetSource}. */
export interface ParquetSourceOptions {
  /** Columns to read. Default: all. Reading fewer columns is faster. */
  columns?: string[];
  /**
   * How INT64 values arrive: `'number'` (default; exact up to 2^53, beyond that the nearest
   * double) or `'bigint'` (exact, as hyparquet returns them).
   */
  int64?: "number" | "bigint";
}

type Column = ArrayLike<unknown>;

/**
 * Reads a Parquet file with hyparquet (and hyparquet-compressors: snappy, gzip, brotli, zstd,
 * lz4), **one row group at a time**: memory holds the decoded columns of one row group plus
 * one batch of records, whatever the file size. Columns are decoded columnar and records
 * assembled per batch as plain objects `{ column: value }`; timestamps arrive as `Date`.
 *
 * A missing, empty or corrupt file (or a directory) fails with a {@link ConnectorError} naming
 * the path.
 * @typeParam T - record type.
 */
export class ParquetSource<T = Record<string, unknown>> extends Source<T> {
  override name = "parquet";
  private file: Awaited<ReturnType<typeof asyncBufferFromFile>> | null = null;
  private metadata: FileMetaData | null = null;
  private group = 0;
  private groupStart = 0;
  private columns: string[] = [];
  private data: Column[] = [];
  private build: ((data: Column[], i: number) => unknown) | null = null;
  private rows = 0;
  private offset = 0;
  /** Rows of the next row group to skip (a restored position inside it). */
  private skipInGroup = 0;

  /** @throws ConfigError when `path` is not a string or an option is unknown. */
  constructor(
    readonly path: string,
    private readonly options: ParquetSourceOptions = {},
  ) {
    super();
    checkPath("parquetSource(path, options)", path);
    checkKeys("parquetSource(path, options)", options, ["columns", "int64"]);
  }

  /** Total rows in the file (known after open). */
  get numRows(): number {
    return this.metadata === null ? 0 : Number(this.metadata.num_rows);
  }

  override async open(): Promise<void> {
    await checkInputFile("parquet", this.path);
    try {
      this.file = await asyncBufferFromFile(this.path);
      this.metadata = await parquetMetadataAsync(this.file);
    } catch (err) {
      throw new ConnectorError(`parquet: cannot open "${this.path}": ${(err as Error).message}`, {
        connector: "parquet",
        file: this.path,
        cause: err,
      });
    }
  }

  async consume(size: number): Promise<T[] | null> {
    if (this.offset >= this.rows) {
      if (!(await this.loadNextGroup())) return null;
      if (this.skipInGroup > 0) {
        this.offset = this.skipInGroup;
        this.skipInGroup = 0;
        if (this.offset >= this.rows) return this.consume(size);
      }
    }
    const end = Math.min(this.rows, this.offset + size);
    const out = new Array<T>(end - this.offset);
    const data = this.data;
    const build = this.build!;
    for (let i = this.offset, k = 0; i < end; i++, k++) out[k] = build(data, i) as T;
    this.offset = end;
    return out;
  }

  /** Checkpoints: the number of rows handed out so far (the index of the next row in the file). */
  override snapshotPosition(): number {
    return this.groupStart - this.rows + this.offset + this.skipInGroup;
  }

  /**
   * Resumes at row `position` of the file: only its row group and those after it are decoded.
   * @throws StateError when `position` is not an integer between 0 and the number of rows.
   */
  override restorePosition(position: unknown): void {
    const row = checkPosition<number>(
      this.name,
      position,
      isCount(position) && position <= this.numRows,
      `a row number between 0 and ${this.numRows}`,
    );
    const groups = this.metadata!.row_groups;
    let g = 0;
    let start = 0;
    while (g < groups.length && start + Number(groups[g].num_rows) <= row) {
      start += Number(groups[g].num_rows);
      g++;
    }
    this.group = g;
    this.groupStart = start;
    this.rows = 0;
    this.offset = 0;
    this.skipInGroup = row - start;
  }

  private async loadNextGroup(): Promise<boolean> {
    const md = this.metadata!;
    if (this.group >= md.row_groups.length) return false;
    const numRows = Number(md.row_groups[this.group].num_rows);
    const rowStart = this.groupStart;
    const rowEnd = rowStart + numRows;
    const chunks = new Map<string, Column>();
    try {
      await parquetRead({
        file: this.file!,
        metadata: md,
        rowStart,
        rowEnd,
        columns: this.options.columns,
        compressors,
        onChunk: (c) => {
          chunks.set(c.columnName, c.columnData as Column);
        },
      });
    } catch (err) {
      throw new ConnectorError(
        `parquet: cannot decode row group ${this.group} of "${this.path}": ${(err as Error).message}`,
        { connector: "parquet", file: this.path, cause: err },
      );
    }
    const names = [...chunks.keys()];
    if (this.build === null || names.join("\u0000") !== this.columns.join("\u0000")) {
      this.build = recordBuilder(names);
    }
    this.columns = names;
    this.data = this.columns.map((c) => this.convert(chunks.get(c)!));
    this.rows = numRows;
    this.offset = 0;
    this.group++;
    this.groupStart = rowEnd;
    return numRows > 0 ? true : this.loadNextGroup();
  }

  private convert(col: Column): Column {
    if ((this.options.int64 ?? "number") === "bigint") return col;
    if (col instanceof BigInt64Array || (col.length > 0 && typeof col[0] === "bigint")) {
      const out = new Array<number>(col.length);
      for (let i = 0; i < col.length; i++) out[i] = Number(col[i] as bigint);
      return out;
    }
    return col;
  }

  override cleanup(): void {
    this.data = [];
    this.file = null;
  }
}

/**
 * Compiles `(data, i) => ({ col0: data[0][i], ... })`: an object literal of fixed shape, so
 * every record shares one hidden class (several times faster than assigning keys in a loop).
 */
function recordBuilder(names: string[]): (data: Column[], i: number) => unknown {
  const fields = names.map((n, c) => `${JSON.stringify(n)}: d[${c}][i]`).join(", ");
  return new Function("d", "i", `return { ${fields} };`) as (data: Column[], i: number) => unknown;
}

/** Builds a {@link ParquetSource}. */
export function parquetSource<T = Record<string, unknown>>(
  path: string,
  options?: ParquetSourceOptions,
): ParquetSource<T> {
  return new ParquetSource<T>(path, options);
}
