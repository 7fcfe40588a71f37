import { stringify } from "csv-stringify/sync";
import { checkKeys } from "../../util/validate.js";
import { TextFileSink } from "./file-writer.js";
import { checkPath } from "./input-file.js";

/** Options of {@link CsvSink}. */
export interface CsvSinkOptions {
  /** Column order (object keys). Default: the keys of the first record. */
  columns?: string[];
  /** Write a header line. Default `true`. */
  header?: boolean;
  /** Field delimiter. Default `","`. */
  delimiter?: string;
}

/**
 * Writes records as CSV with csv-stringify (quoting as RFC 4180), one `write` per batch with
 * backpressure; the header once, from `columns` or the first record's keys.
 * @typeParam T - record type (objects, or arrays of fields).
 */
export class CsvSink<T = Record<string, unknown>> extends TextFileSink<T> {
  override name = "csv";
  private columns: string[] | undefined;
  private first = true;

  constructor(
    path: string,
    private readonly options: CsvSinkOptions = {},
  ) {
    super(path, "csv");
    checkPath("csvSink(path, options)", path);
    checkKeys("csvSink(path, options)", options, ["columns", "header", "delimiter"]);
    this.columns = options.columns;
  }

  protected format(elems: T[]): string {
    if (this.columns === undefined && !Array.isArray(elems[0]))
      this.columns = Object.keys(elems[0] as object);
    const text = stringify(elems as unknown as Record<string, unknown>[], {
      header: this.first && (this.options.header ?? true) && this.columns !== undefined,
      columns: this.columns,
      delimiter: this.options.delimiter ?? ",",
    });
    this.first = false;
    return text;
  }
}

/** Builds a {@link CsvSink}. */
export function csvSink<T = Record<string, unknown>>(path: string, options?: CsvSinkOptions): CsvSink<T> {
  return new CsvSink<T>(path, options);
}
