import { Sink } from "../../operators/sink.js";
import { checkFunction, checkKeys } from "../../util/validate.js";
import { TextWriter } from "./file-writer.js";

/** Options of {@link StdoutSink}. */
export interface StdoutSinkOptions {
  /** Renders one record as one line. Default `JSON.stringify`. */
  format?: (record: never) => string;
}

/**
 * Prints one line per record to standard output, with backpressure (a slow terminal or pipe
 * slows the job instead of filling memory). Does not close stdout.
 * @typeParam T - record type.
 */
export class StdoutSink<T = unknown> extends Sink<T> {
  override name = "stdout";
  private readonly writer = new TextWriter(process.stdout, "stdout", "stdout");
  private readonly format: (record: T) => string;

  /** @throws ConfigError when an option is unknown or `format` is not a function. */
  constructor(options: StdoutSinkOptions = {}) {
    super();
    checkKeys("stdoutSink(options)", options, ["format"]);
    if (options.format !== undefined) checkFunction("stdoutSink options.format", options.format);
    this.format = (options.format as ((r: T) => string) | undefined) ?? ((r) => JSON.stringify(r));
  }

  async produce(elems: T[]): Promise<void> {
    let text = "";
    for (let i = 0; i < elems.length; i++) text += `${this.format(elems[i])}\n`;
    await this.writer.write(text);
  }
}

/** Builds a {@link StdoutSink}. */
export function stdoutSink<T = unknown>(options?: StdoutSinkOptions): StdoutSink<T> {
  return new StdoutSink<T>(options);
}
