import { ConnectorError } from "../errors.js";
import type { OffsetStore } from "./offset-store.js";

/** How long the final cursor save may wait for the last acknowledgements, in ms without progress. */
const FINAL_ACK_IDLE_MS = 10_000;

/**
 * The acknowledgement side of an incremental source (see docs/connectors.md, "Incremental
 * cursors"): remembers the cursor of the last record of each batch handed out, and on
 * `ack(position)` saves the cursor of the last acknowledged batch to the offset store, one save
 * at a time and in order. The stored cursor therefore never runs ahead of what every sink wrote.
 * @typeParam C - the cursor (encoded by `encode` for the store).
 * @internal
 */
export class CursorAcks<C> {
  /** Batches handed out and not yet acknowledged: `[end position, cursor of its last record]`. */
  private readonly pending: [number, C][] = [];
  private handedOut = 0;
  private saved = 0;
  private saving: Promise<void> = Promise.resolve();
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly store: OffsetStore,
    private readonly key: string,
    private readonly encode: (cursor: C) => string,
    private readonly connector: string,
  ) {}

  /** Records handed out so far. */
  get emitted(): number {
    return this.handedOut;
  }

  /** Position up to which the cursor is saved. */
  get acked(): number {
    return this.saved;
  }

  /** A batch of `count` records whose last record has `cursor` was handed out. */
  handOut(count: number, cursor: C): void {
    this.handedOut += count;
    this.pending.push([this.handedOut, cursor]);
  }

  /** Saves the cursor of the last batch ending at or before `position`. */
  ack(position: number): Promise<void> {
    let cursor: C | undefined;
    let found = false;
    while (this.pending.length > 0 && this.pending[0][0] <= position) {
      cursor = this.pending.shift()![1];
      found = true;
    }
    if (!found) return this.saving;
    const value = this.encode(cursor as C);
    this.saving = this.saving.then(async () => {
      if (this.closed) {
        throw new ConnectorError(
          `${this.connector}: cursor of "${this.key}" not saved at position ${position}: the source was already closed`,
          { connector: this.connector },
        );
      }
      await this.store.save(this.key, value);
      this.saved = position;
      this.waiter?.();
    });
    return this.saving;
  }

  /**
   * Before the source closes its connections: on success, waits until every record handed out
   * is acknowledged (or no ack came for 10 s: a sink downstream failed after the source ended);
   * then waits for the save in flight. Later acks fail with a ConnectorError.
   */
  async drain(success: boolean): Promise<void> {
    while (success && this.saved < this.handedOut) {
      const before = this.saved;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, FINAL_ACK_IDLE_MS);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
      if (this.saved === before) break;
    }
    await this.saving.catch(() => {});
    this.closed = true;
  }
}
