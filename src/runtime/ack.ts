/**
 * Acknowledgement tracking for one source (see docs/runtime.md, "Acknowledgements
 * (at-least-once)"). Each batch a source emits gets an {@link AckToken} with a reference count:
 * every envelope that carries records of that batch holds one reference; a node releases its
 * reference once it has handed the records on (or dropped, filtered, dead-lettered them). When
 * the count reaches zero the batch is handled; the tracker then calls `source.ack(position)` for
 * the longest handled prefix, in source order. A batch whose records did not make it keeps a
 * reference for good, so acks stop before it.
 * @internal
 */
export class AckTracker {
  private nextSeq = 0;
  private position = 0;
  private ackedSeq = 0;
  private readonly finished = new Map<number, number>();
  private inFlight: Promise<void> | null = null;
  /** The position the next `ack` call should reach (the end of the handled prefix). */
  private wanted = 0;
  private poisoned = false;
  private lastAcked = 0;
  private confirmed = 0;
  private waiters: (() => void)[] = [];
  /** First error raised by `ack`, reported by {@link AckTracker.flush}. */
  error: unknown = undefined;

  constructor(private readonly ack: (position: number) => void | Promise<void>) {}

  /** A token for the next batch of `count` records. */
  next(count: number): AckToken {
    this.position += count;
    return new AckToken(this, this.nextSeq++, this.position);
  }

  /** Records handed out so far (the position the final ack would reach). */
  get emittedPosition(): number {
    return this.position;
  }

  /** The highest position whose `ack` call completed (resolved). */
  get ackedPosition(): number {
    return this.confirmed;
  }

  /**
   * Whether every batch handed out was acknowledged and no `ack` call is in flight (a call in
   * flight is for a position past `confirmed`, so `confirmed === position` implies none is).
   */
  get complete(): boolean {
    return this.ackedSeq === this.nextSeq && this.confirmed === this.position;
  }

  /** Stops all further acks (an `ack` call failed: nothing after it may be acknowledged). */
  poison(): void {
    this.poisoned = true;
    this.wakeWaiters();
  }

  /** @internal called by a token whose count reached zero (after a poison, `pump` calls nothing). */
  done(token: AckToken): void {
    this.finished.set(token.seq, token.end);
    let end = -1;
    while (this.finished.has(this.ackedSeq)) {
      end = this.finished.get(this.ackedSeq)!;
      this.finished.delete(this.ackedSeq);
      this.ackedSeq++;
    }
    if (end >= 0) this.request(end);
  }

  private request(position: number): void {
    this.wanted = position;
    if (this.inFlight !== null) return;
    this.pump();
  }

  private pump(): void {
    while (this.wanted > this.lastAcked && !this.poisoned) {
      const pos = this.wanted;
      let r: void | Promise<void>;
      try {
        r = this.ack(pos);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.lastAcked = pos;
      if (r instanceof Promise) {
        this.inFlight = r.then(
          () => {
            this.inFlight = null;
            this.confirmed = pos;
            this.pump();
          },
          (err) => {
            this.inFlight = null;
            this.fail(err);
          },
        );
        return;
      }
      this.confirmed = pos;
    }
    this.wakeWaiters();
  }

  /** An `ack` call failed: the first and only one, as nothing is called after it. */
  private fail(err: unknown): void {
    this.error = err;
    this.poison();
  }

  private wakeWaiters(): void {
    if (!(this.complete || this.poisoned)) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Resolves once every batch handed out so far is acknowledged (its `ack` call completed), or
   * acks stopped for good (an `ack` call failed). Never rejects.
   */
  drained(): Promise<void> {
    if (this.complete || this.poisoned) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for the ack call in flight, if any. Rejects with the first `ack` error. */
  async flush(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
    if (this.error !== undefined) throw this.error;
  }
}

/** Reference-counted handle of one source batch. @internal */
export class AckToken {
  refs = 1;
  constructor(
    private readonly tracker: AckTracker,
    readonly seq: number,
    readonly end: number,
  ) {}
  release(): void {
    if (--this.refs === 0) this.tracker.done(this);
  }
}

/** Adds one reference to each token. @internal */
export function retainAll(acks: AckToken[] | null): void {
  if (acks === null) return;
  for (let i = 0; i < acks.length; i++) acks[i].refs++;
}

/** Releases one reference of each token. @internal */
export function releaseAll(acks: AckToken[] | null): void {
  if (acks === null) return;
  for (let i = 0; i < acks.length; i++) acks[i].release();
}
