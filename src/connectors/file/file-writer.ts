import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { ConnectorError } from "../../errors.js";
import { Sink } from "../../operators/sink.js";

/**
 * Writes text to a Node Writable with backpressure (awaits `drain` when `write` returns false)
 * and turns stream errors into ConnectorErrors naming the target. Shared by the file sinks.
 * @internal
 */
export class TextWriter {
  private error: unknown = undefined;

  constructor(
    readonly stream: Writable,
    private readonly connector: string,
    private readonly target: string,
  ) {
    stream.on("error", (err) => {
      this.error = err;
    });
  }

  /** Opens `path` for writing (creating its directory), truncating it unless `append`. */
  static async toFile(path: string, connector: string, append = false): Promise<TextWriter> {
    await mkdir(dirname(path), { recursive: true });
    const stream: WriteStream = createWriteStream(path, { flags: append ? "a" : "w" });
    const writer = new TextWriter(stream, connector, path);
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", (err) => reject(writer.wrap(err)));
    });
    return writer;
  }

  /** Writes `text`; resolves when the stream can take more. */
  async write(text: string): Promise<void> {
    this.check();
    if (!this.stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          this.stream.off("close", done);
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("error", done);
        this.stream.on("close", done);
      });
    }
    this.check();
  }

  /** Ends the stream and waits until everything is flushed. */
  async end(): Promise<void> {
    this.check();
    await new Promise<void>((resolve, reject) => {
      this.stream.end(() => (this.error === undefined ? resolve() : reject(this.wrap(this.error))));
    });
  }

  /** Destroys the stream (on failure paths). */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private check(): void {
    if (this.error !== undefined) throw this.wrap(this.error);
  }

  private wrap(err: unknown): ConnectorError {
    return new ConnectorError(
      `${this.connector}: cannot write to "${this.target}": ${(err as Error).message}`,
      {
        connector: this.connector,
        file: this.target,
        cause: err,
      },
    );
  }
}

/**
 * Base of the sinks that write text to a file (JSON Lines, CSV): opens the file in `open`
 * (creating its directory), writes what `format(batch)` returns with backpressure, flushes and
 * closes in `done`, destroys the stream in `cleanup` on failure paths.
 * @internal
 */
export abstract class TextFileSink<T> extends Sink<T> {
  private writer: TextWriter | null = null;

  constructor(
    readonly path: string,
    private readonly connector: string,
    private readonly append = false,
  ) {
    super();
  }

  /** The text of one batch. */
  protected abstract format(elems: T[]): string;

  override async open(): Promise<void> {
    this.writer = await TextWriter.toFile(this.path, this.connector, this.append);
  }

  async produce(elems: T[]): Promise<void> {
    if (elems.length === 0) return;
    await this.writer!.write(this.format(elems));
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
