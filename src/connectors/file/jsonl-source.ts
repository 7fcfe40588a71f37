import { ConnectorError } from "../../errors.js";
import { Source } from "../../operators/source.js";
import { checkPosition, isCount } from "../../operators/source-position.js";
import { checkPath } from "./input-file.js";
import { LineReader } from "./line-reader.js";

/**
 * Reads a JSON Lines file: one JSON value per line; blank lines are ignored. Streams the file
 * in 64 KiB chunks (bounded memory, any file size).
 *
 * A line that is not valid JSON goes through the node's fault policy as a
 * {@link ConnectorError} naming the file and line (`'fail'` by default: the node fails;
 * `onError: 'skip' | 'dead-letter'` keeps going, the raw line in the dead letter).
 * A missing file, a directory or an empty file fails at open with a ConnectorError naming the
 * path.
 *
 * @typeParam T - record type (not checked: validate with `filter`/`map` if needed).
 */
export class JsonLinesSource<T = unknown> extends Source<T> {
  override name = "jsonl";
  private readonly reader: LineReader;

  /**
   * @param path - file path.
   * @throws ConfigError when `path` is not a non-empty string.
   */
  constructor(readonly path: string) {
    super();
    checkPath("jsonLinesSource(path)", path);
    this.reader = new LineReader(path, "jsonl");
  }

  override async open(): Promise<void> {
    await this.reader.open();
  }

  async consume(size: number): Promise<T[] | null> {
    const out: T[] = [];
    while (out.length < size) {
      const line = this.reader.takeBuffered() ?? (await this.reader.readLine());
      if (line === null) return out.length === 0 ? null : out;
      if (line.trim() === "") continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch (err) {
        const at = this.reader.lineNumber;
        this.reject(
          line,
          new ConnectorError(`jsonl: invalid JSON at ${this.path}:${at}: ${(err as Error).message}`, {
            connector: "jsonl",
            file: this.path,
            line: at,
            cause: err,
          }),
        );
      }
    }
    return out;
  }

  /**
   * Checkpoints: `{ byte, line }`, the byte offset just after the last line handed out and that
   * line's number (1-based; 0 at the start).
   */
  override snapshotPosition(): JsonLinesPosition {
    return { byte: this.reader.byteOffset, line: this.reader.lineNumber };
  }

  /**
   * Resumes at byte `position.byte` (a line start) of the file; line numbers in errors go on
   * from `position.line`.
   * @throws StateError when `position` is not `{ byte, line }` of integers >= 0.
   */
  override restorePosition(position: unknown): void {
    const p = position as JsonLinesPosition | null;
    const ok = p !== null && typeof p === "object" && isCount(p.byte) && isCount(p.line);
    const { byte, line } = checkPosition<JsonLinesPosition>(
      this.name,
      position,
      ok,
      "{ byte, line } (integers >= 0)",
    );
    this.reader.seek(byte, line);
  }

  override async cleanup(): Promise<void> {
    await this.reader.close();
  }
}

/** A {@link JsonLinesSource}'s checkpoint position: byte offset of the next line and lines read. */
export interface JsonLinesPosition {
  readonly byte: number;
  readonly line: number;
}

/** Builds a {@link JsonLinesSource}. */
export function jsonLinesSource<T = unknown>(path: string): JsonLinesSource<T> {
  return new JsonLinesSource<T>(path);
}
