import { Writable } from "node:stream";
import type { Chunk } from "./envelope.js";

/** The side of a node that receives one edge. @internal */
export interface PortOwner {
  handleChunk(index: number, chunk: Chunk): void | Promise<void>;
  inputEnded(index: number): void;
  fail(err: unknown): void;
}

/**
 * One input edge of a node: an objectMode Writable whose buffer holds at most `highWaterMark`
 * chunks before `write()` returns `false` (Node's backpressure; the producer then waits for
 * `drain`). Its `_write` callback is called only when the node has handled the chunk and its
 * own outputs had room, so backpressure travels upstream hop by hop.
 * @internal
 */
export class InputPort extends Writable {
  /** Set when the owning node failed or was cancelled: producers stop writing here. */
  dead = false;

  constructor(
    private readonly owner: PortOwner,
    readonly index: number,
    highWaterMark: number,
  ) {
    super({ objectMode: true, highWaterMark });
  }

  override _write(chunk: Chunk, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.dead) {
      cb();
      return;
    }
    let r: void | Promise<void>;
    try {
      r = this.owner.handleChunk(this.index, chunk);
    } catch (err) {
      this.owner.fail(err);
      cb();
      return;
    }
    if (r instanceof Promise) {
      r.then(
        () => cb(),
        (err) => {
          this.owner.fail(err);
          cb();
        },
      );
    } else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.dead) this.owner.inputEnded(this.index);
    cb();
  }

  /** Marks the port dead and wakes producers waiting for `drain`. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.emit("drain");
  }

  /** Resolves at the next `drain` (or at once if the port is dead or has room). */
  waitDrain(): Promise<void> {
    if (this.dead || !this.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off("drain", done);
        this.off("close", done);
        resolve();
      };
      this.on("drain", done);
      this.on("close", done);
    });
  }
}
