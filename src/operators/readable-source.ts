import type { Readable } from "node:stream";
import { ConnectorError } from "../errors.js";
import { Source } from "./source.js";
import { checkPosition, isCount } from "./source-position.js";

/**
 * A source over a Node Readable (objectMode: one record per object; byte streams: one record
 * per chunk). Reads with `read()` up to the batch size and waits for `readable` when empty;
 * the stream's own highWaterMark bounds what it buffers. What `env.from(readable)` builds.
 * @typeParam T - record type.
 */
export class ReadableSource<T> extends Source<T> {
  override name = "readable";
  private ended = false;
  private error: unknown = undefined;
  private wake: (() => void) | null = null;
  /** Records handed out (the checkpoint position). */
  private taken = 0;
  /** Records still to skip after a restore. */
  private toSkip = 0;

  constructor(private readonly stream: Readable) {
    super();
    const kick = () => {
      const w = this.wake;
      this.wake = null;
      w?.();
    };
    stream.on("readable", kick);
    stream.on("end", () => {
      this.ended = true;
      kick();
    });
    stream.on("error", (err) => {
      this.error = err;
      kick();
    });
  }

  async consume(size: number): Promise<T[] | null> {
    for (;;) {
      if (this.error !== undefined) {
        throw new ConnectorError(
          `readable source failed: ${String((this.error as Error).message ?? this.error)}`,
          {
            connector: "readable",
            cause: this.error,
          },
        );
      }
      const out: T[] = [];
      while (out.length < size) {
        const chunk = this.stream.read();
        if (chunk === null) break;
        if (this.toSkip > 0) {
          this.toSkip--;
          continue;
        }
        out.push(chunk as T);
      }
      if (out.length > 0) {
        this.taken += out.length;
        return out;
      }
      if (this.ended || this.stream.readableEnded) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Checkpoints: the number of records (objects, or chunks of a byte stream) handed out so far. */
  override snapshotPosition(): number {
    return this.taken + this.toSkip;
  }

  /**
   * Resumes after the first `position` records: the first `position` objects this (new) stream
   * gives are skipped (it must give the same ones again: a re-opened file, a replayed query).
   * @throws StateError when `position` is not an integer >= 0.
   */
  override restorePosition(position: unknown): void {
    this.toSkip = checkPosition<number>(this.name, position, isCount(position), "a record count >= 0");
    this.taken = 0;
  }

  override cleanup(err?: Error): void {
    if (!this.stream.destroyed) this.stream.destroy(err === undefined ? undefined : err);
  }
}
