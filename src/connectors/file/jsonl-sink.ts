import { Sink } from "../../operators/sink.js";
import { TextWriter } from "./file-writer.js";

/** Options of {@link JsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** Append to an existing file instead of truncating it. Default `false`. */
  append?: boolean;
}

/**
 * Writes one JSON value per line (`JSON.stringify`, `\n`-terminated) to a file, creating its
 * directory. One `write` per batch, with backpressure; flushed and closed in `done`.
 * @typeParam T - record type.
 */
export class JsonLinesSink<T = unknown> extends Sink<T> {
  override name = "jsonl";
  private writer: TextWriter | null = null;

  constructor(
    readonly path: string,
    private readonly options: JsonLinesSinkOptions = {},
  ) {
    super();
  }

  override async open(): Promise<void> {
    this.writer = await TextWriter.toFile(this.path, "jsonl", this.options.append);
  }

  async produce(elems: T[]): Promise<void> {
    let text = "";
    for (let i = 0; i < elems.length; i++) text += `${JSON.stringify(elems[i])}\n`;
    await this.writer!.write(text);
  }

  override async done(): Promise<void> {
    await this.writer?.end();
    this.writer = null;
  }

  override cleanup(): void {
    this.writer?.destroy();
    this.writer = null;
  }
}

/** Builds a {@link JsonLinesSink}. */
export function jsonLinesSink<T = unknown>(path: string, options?: JsonLinesSinkOptions): JsonLinesSink<T> {
  return new JsonLinesSink<T>(path, options);
}
