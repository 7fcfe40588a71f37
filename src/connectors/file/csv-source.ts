import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { type CsvError, type Options as CsvParseOptions, type Parser, parse } from "csv-parse";
import { ConnectorError } from "../../errors.js";
import { Source } from "../../operators/source.js";

/** Options of {@link CsvSource}: csv-parse's options (https://csv.js.org/parse/options/). */
export interface CsvSourceOptions {
  /** `true` (default): the first line is the header and records are objects; or the column names; `false`: records are arrays. */
  columns?: boolean | string[];
  /** Field delimiter. Default `","`. */
  delimiter?: string;
  /** Convert numbers and booleans (csv-parse's `cast`). Default `false` (strings). */
  cast?: boolean;
  /** Other csv-parse options, passed as given. */
  parser?: CsvParseOptions;
}

/**
 * Reads a CSV file with csv-parse (streaming, bounded memory: the parser's own buffer plus
 * one batch). Records are objects keyed by the header (default) or arrays.
 *
 * A row with the wrong number of columns (or any other malformed row) goes through the node's
 * fault policy as a {@link ConnectorError} naming the file and line, with the raw fields as
 * the dead letter record; parsing goes on after it. A missing file fails at open.
 * @typeParam T - record type.
 */
export class CsvSource<T = Record<string, string>> extends Source<T> {
  override name = "csv";
  private parser: Parser | null = null;
  private ended = false;
  private error: unknown = undefined;
  private readonly rejected: CsvError[] = [];
  private wake: (() => void) | null = null;

  constructor(
    readonly path: string,
    private readonly options: CsvSourceOptions = {},
  ) {
    super();
  }

  override async open(): Promise<void> {
    try {
      await access(this.path);
    } catch (err) {
      throw new ConnectorError(
        `csv: cannot open "${this.path}": ${(err as Error).message}. Check the path.`,
        {
          connector: "csv",
          file: this.path,
          cause: err,
        },
      );
    }
    const parser = parse({
      columns: this.options.columns ?? true,
      delimiter: this.options.delimiter ?? ",",
      cast: this.options.cast ?? false,
      ...this.options.parser,
      skip_records_with_error: true,
    });
    const kick = () => {
      const w = this.wake;
      this.wake = null;
      w?.();
    };
    parser.on("readable", kick);
    parser.on("skip", (err: CsvError) => {
      this.rejected.push(err);
      kick();
    });
    parser.on("end", () => {
      this.ended = true;
      kick();
    });
    parser.on("error", (err) => {
      this.error = err;
      kick();
    });
    const input = createReadStream(this.path);
    input.on("error", (err) => {
      this.error = err;
      kick();
    });
    input.pipe(parser);
    this.parser = parser;
  }

  async consume(size: number): Promise<T[] | null> {
    const parser = this.parser!;
    for (;;) {
      this.drainRejected();
      if (this.error !== undefined) {
        const err = this.error as Error;
        throw new ConnectorError(`csv: cannot read "${this.path}": ${err.message}`, {
          connector: "csv",
          file: this.path,
          cause: err,
        });
      }
      const out: T[] = [];
      while (out.length < size) {
        const rec = parser.read() as T | null;
        if (rec === null) break;
        out.push(rec);
      }
      this.drainRejected();
      if (out.length > 0) return out;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private drainRejected(): void {
    while (this.rejected.length > 0) {
      const e = this.rejected.shift()!;
      const line = typeof e.lines === "number" ? e.lines : undefined;
      this.reject(
        (e as CsvError & { record?: unknown }).record ?? e.message,
        new ConnectorError(`csv: malformed row at ${this.path}:${line ?? "?"}: ${e.message}`, {
          connector: "csv",
          file: this.path,
          ...(line === undefined ? {} : { line }),
          cause: e,
        }),
      );
    }
  }

  override cleanup(): void {
    this.parser?.destroy();
    this.parser = null;
  }
}

/** Builds a {@link CsvSource}. */
export function csvSource<T = Record<string, string>>(
  path: string,
  options?: CsvSourceOptions,
): CsvSource<T> {
  return new CsvSource<T>(path, options);
}
