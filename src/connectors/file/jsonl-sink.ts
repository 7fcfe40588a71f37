import { checkKeys } from "../../util/validate.js";
import { TextFileSink } from "./file-writer.js";
import { checkPath } from "./input-file.js";

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
export class JsonLinesSink<T = unknown> extends TextFileSink<T> {
  override name = "jsonl";

  /** @throws ConfigError when `path` is not a string or an option is unknown. */
  constructor(path: string, options: JsonLinesSinkOptions = {}) {
    super(path, "jsonl", options.append ?? false);
    checkPath("jsonLinesSink(path, options)", path);
    checkKeys("jsonLinesSink(path, options)", options, ["append"]);
  }

  protected format(elems: T[]): string {
    let text = "";
    for (let i = 0; i < elems.length; i++) text += `${JSON.stringify(elems[i])}\n`;
    return text;
  }
}

/** Builds a {@link JsonLinesSink}. */
export function jsonLinesSink<T = unknown>(path: string, options?: JsonLinesSinkOptions): JsonLinesSink<T> {
  return new JsonLinesSink<T>(path, options);
}
