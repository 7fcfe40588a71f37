import { createReadStream } from "node:fs";
import { type CsvError, type Options as CsvParseOptions, type Parser, parse } from "csv-parse";
import { ConnectorError } from "../../errors.js";
import { Source } from "../../operators/source.js";
import { checkPosition, isCount } from "../../operators/source-position.js";
import { checkKeys } from "../../util/validate.js";
import { checkInputFile, checkPath } from "./input-file.js";

const CSV_SOURCE_KEYS = ["columns", "delimiter", "cast", "parser"] as const;

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
 * A row with the wrong number of columns (or any other malformed row: an unclosed quote...)
 * goes through the node's fault policy as a {@link ConnectorError} naming the file and the
 * line where the row starts (right after quoted multi-line fields too), with the row's raw text
 * as the dead letter record; parsing goes on after it. A missing file, a directory or an
 * empty file fails at open with a ConnectorError naming the path.
 * @typeParam T - record type.
 */
export class CsvSource<T = Record<string, string>> extends Source<T> {
  override name = "csv";
  private parser: Parser | null = null;
  private ended = false;
  private error: unknown = undefined;
  private readonly rejected: CsvError[] = [];
  private wake: (() => void) | null = null;
  /** Records handed out (the checkpoint position). */
  private taken = 0;
  /** Records still to skip after a restore. */
  private toSkip = 0;

  /** The user asked for csv-parse's `{ record, raw }` records themselves. */
  private readonly userRaw: boolean;

  /**
   * @throws ConfigError when `path` is not a string or an option is unknown (`delimter`).
   */
  constructor(
    readonly path: string,
    private readonly options: CsvSourceOptions = {},
  ) {
    super();
    checkPath("csvSource(path, options)", path);
    checkKeys("csvSource(path, options)", options, CSV_SOURCE_KEYS);
    this.userRaw = options.parser?.raw === true;
  }

  override async open(): Promise<void> {
    await checkInputFile("csv", this.path);
    // raw: every record carries its source text, so a malformed row's dead letter keeps it
    const parser = parse({
      columns: this.options.columns ?? true,
      delimiter: this.options.delimiter ?? ",",
      cast: this.options.cast ?? false,
      ...this.options.parser,
      raw: true,
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
        const rec = parser.read() as { record: T; raw: string } | null;
        if (rec === null) break;
        if (this.toSkip > 0) {
          this.toSkip--;
          continue;
        }
        out.push(this.userRaw ? (rec as T) : rec.record);
      }
      this.drainRejected();
      if (out.length > 0) {
        this.taken += out.length;
        return out;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /**
   * Checkpoints: the number of records handed out so far (rows after the header, malformed rows
   * not counted).
   */
  override snapshotPosition(): number {
    return this.taken + this.toSkip;
  }

  /**
   * Resumes after the first `position` records: the file is parsed from its start (the header
   * gives the columns) and those records are skipped, as are the malformed rows met while
   * skipping (they went through the fault policy in the earlier run). Costs a parse of the
   * skipped part, not its processing.
   * @throws StateError when `position` is not an integer >= 0.
   */
  override restorePosition(position: unknown): void {
    this.toSkip = checkPosition<number>(this.name, position, isCount(position), "a record count >= 0");
    this.taken = 0;
  }

  private drainRejected(): void {
    while (this.rejected.length > 0) {
      const e = this.rejected.shift()!;
      if (this.toSkip > 0) continue;
      const raw = (e as CsvError & { raw?: unknown }).raw;
      const line = startLine(e.lines, typeof raw === "string" ? raw : undefined);
      this.reject(
        typeof raw === "string" ? raw : ((e as CsvError & { record?: unknown }).record ?? e.message),
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

/**
 * The 1-based line where a malformed row starts: csv-parse reports the line where it found the
 * error (the row's last line); a row spanning several lines (quoted newlines, or an unclosed
 * quote running on) started that many lines earlier.
 */
function startLine(lines: unknown, raw: string | undefined): number | undefined {
  if (typeof lines !== "number") return undefined;
  if (raw === undefined) return lines;
  let breaks = 0;
  for (let i = 0; i < raw.length - 1; i++) if (raw.charCodeAt(i) === 10) breaks++;
  return Math.max(1, lines - breaks);
}

/**
 * Builds a {@link CsvSource}.
 * @throws ConfigError for a bad path or an unknown option.
 */
export function csvSource<T = Record<string, string>>(
  path: string,
  options?: CsvSourceOptions,
): CsvSource<T> {
  return new CsvSource<T>(path, options);
}
