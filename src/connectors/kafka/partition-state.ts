/**
 * What the Kafka source knows about one topic-partition it was assigned (at some time): where
 * it reads, what it handed out, what was acknowledged and committed, its event time. Offsets are
 * numbers (exact up to 2^53, far beyond any real log). See docs/connectors.md, "Kafka source".
 * @internal
 */
export class PartitionState {
  /** `"topic:partition"`, for maps and messages. */
  readonly id: string;
  /** Whether the partition is assigned to this consumer now. */
  assigned = false;
  /**
   * Incremented when the partition is revoked: acknowledgements of records handed out under an
   * earlier epoch are not committed (the new owner reads them again).
   */
  epoch = 0;
  /** Incremented on every revocation: buffered chunks fetched under an earlier generation are dropped. */
  gen = 0;
  /** Whether this source has been assigned the partition before (startFrom applies only the first time). */
  seen = false;
  /** Next offset to take from the client (messages below it already fetched are skipped). -1: unknown yet. */
  fetchNext = -1;
  /** Next offset to hand out: the offset after the last record handed out (or rejected). -1: unknown yet. */
  position = -1;
  /** Offset after the longest acknowledged prefix of this partition, under the current epoch. -1: none yet. */
  acked = -1;
  /** Offset last committed by this source (or found committed at assignment). -1: none. */
  committed = -1;
  /** Log end offset (high watermark) as of the last fetch, or the end seen at start. -1: unknown. */
  highWatermark = -1;
  /** Bounded mode: the end offset seen at start. -1: not bounded. */
  end = -1;
  /** Records fetched and not yet handed out. */
  buffered = 0;
  /** Whether the source paused the partition for backpressure. */
  paused = false;
  /** Greatest event time handed out, epoch ms. */
  maxTs = Number.NEGATIVE_INFINITY;
  /** Processing time (ms) when the partition last handed out a record, held buffered records, or was assigned. */
  lastActive = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.id = `${topic}:${partition}`;
  }

  /**
   * Messages between the last acknowledged (else committed, else the next to hand out) offset
   * and the log end, as of the last fetch; undefined while unknown.
   */
  get lag(): number | undefined {
    if (this.highWatermark < 0) return undefined;
    let from = Math.max(this.acked, this.committed);
    if (from < 0) from = this.position;
    if (from < 0) return undefined;
    return Math.max(0, this.highWatermark - from);
  }

  /**
   * Bounded mode: whether every record before the end seen at start was handed out (with
   * nothing buffered, offsets fetched without messages — transaction markers — count as passed).
   */
  get reachedEnd(): boolean {
    if (this.end < 0 || this.position < 0) return false;
    const pos =
      this.buffered === 0 ? Math.max(this.position, Math.min(this.fetchNext, this.end)) : this.position;
    return pos >= this.end;
  }
}

/** One partition's share of a batch handed out: records up to (not including) `next`. @internal */
interface Mark {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly next: number;
}

/** A batch handed out: its end position (records of the source) and the partitions in it. */
interface Handed {
  readonly end: number;
  readonly marks: Mark[];
}

/**
 * Maps the runtime's `ack(position)` (records of the source, in source order) to Kafka offsets
 * per partition: each batch handed out remembers, per partition, the offset after its last
 * record in it; when the runtime acknowledges up to a position, every batch ending there or
 * before is handled, so each of their partitions is handled up to that offset (records of one
 * partition are handed out in offset order). The result per partition is the longest fully
 * acknowledged prefix — what may be committed.
 * @internal
 */
export class OffsetLedger {
  private readonly queue: Handed[] = [];
  private head = 0;
  private handedOut = 0;
  private ackedPos = 0;
  /** Marks of records handled without being handed out (rejected), waiting for the batches before them. */
  private orphans: Mark[] = [];
  private waiters: (() => void)[] = [];

  /** Records handed out so far. */
  get emitted(): number {
    return this.handedOut;
  }

  /** Position acknowledged so far. */
  get acknowledged(): number {
    return this.ackedPos;
  }

  /** Whether every record handed out was acknowledged. */
  get drained(): boolean {
    return this.ackedPos >= this.handedOut;
  }

  /**
   * A batch of `count` records was handed out; `marks` says, per partition in it, the offset
   * after its last record. With `count` 0 (every message of it rejected), the marks are applied
   * once everything handed out before is acknowledged.
   */
  handOut(count: number, marks: readonly (readonly [PartitionState, number])[]): void {
    const ms: Mark[] = marks.map(([state, next]) => ({ state, epoch: state.epoch, next }));
    if (count === 0) {
      this.orphans.push(...ms);
      return;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, with no orphans the block prepends nothing and replaces an empty list with an empty list
    if (this.orphans.length > 0) {
      ms.unshift(...this.orphans);
      this.orphans = [];
    }
    this.handedOut += count;
    this.queue.push({ end: this.handedOut, marks: ms });
  }

  /**
   * Marks that belong to no batch (rejected messages after the last batch handed out): applied
   * when nothing handed out is waiting for its ack. Returns the partitions that advanced.
   */
  settleOrphans(): PartitionState[] {
    if (this.orphans.length === 0 || !this.drained) return [];
    const advanced: PartitionState[] = [];
    for (const m of this.orphans) if (apply(m)) advanced.push(m.state);
    this.orphans = [];
    return advanced;
  }

  /**
   * Every record before `position` is handled: advances `acked` of the partitions in the
   * batches ending there or before (under their current epoch). Returns the partitions whose
   * `acked` advanced.
   */
  ack(position: number): PartitionState[] {
    const advanced: PartitionState[] = [];
    const q = this.queue;
    while (this.head < q.length && q[this.head].end <= position) {
      for (const m of q[this.head].marks) if (apply(m) && !advanced.includes(m.state)) advanced.push(m.state);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    if (position > this.ackedPos) this.ackedPos = position;
    if (this.drained && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
    return advanced;
  }

  /** Resolves when every record handed out so far is acknowledged, or `signal` aborts. */
  whenDrained(signal?: AbortSignal): Promise<void> {
    if (this.drained || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.push(done);
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, done() removes this listener itself (`once` only says so twice)
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

function apply(m: Mark): boolean {
  if (m.epoch !== m.state.epoch || m.next <= m.state.acked) return false;
  m.state.acked = m.next;
  return true;
}

/**
 * What kafkajs' `END_BATCH_PROCESS` instrumentation event says about one fetched batch (the
 * fields the source reads; offsets as kafkajs' decimal strings, `firstOffset` null when the batch
 * held no record at or after the fetched offset).
 * @internal
 */
export interface FetchedBatchInfo {
  readonly firstOffset: string | null;
  readonly lastOffset: string;
}

/**
 * The next offset to fetch after a batch kafkajs processed, or undefined when the batch proves
 * nothing. Only a batch that held records at or after the fetched offset (data, control records
 * or aborted transactional records) moves the position: kafkajs' `lastOffset()` of a batch with
 * none of them is not an offset that was read — it is the high watermark - 1 (a batch delivered
 * empty: a partial record batch cut by `maxBytes`, or fetched while paused) or the fetched offset
 * itself (only records before it, from a compressed batch) — and trusting it made a bounded
 * source count a partition as finished with records still unread.
 * @internal
 */
export function nextFetchOffset(batch: FetchedBatchInfo): number | undefined {
  if (batch.firstOffset === null) return undefined;
  const last = Number(batch.lastOffset);
  return Number.isFinite(last) && last >= Number(batch.firstOffset) ? last + 1 : undefined;
}
