import type {
  Admin,
  Batch,
  Consumer,
  ConsumerCrashEvent,
  ConsumerGroupJoinEvent,
  Kafka,
  TopicOffsets,
} from "kafkajs";
import { ConnectorError } from "../../errors.js";
import type { OperatorContext } from "../../operators/context.js";
import { type RestoreCandidate, Source } from "../../operators/source.js";
import type { Logger } from "../../util/logger.js";
import { createKafka } from "./client.js";
import {
  decodeMessage,
  type KafkaRecord,
  type RawMessage,
  undecodable,
  type ValueDecoder,
  valueDecoder,
} from "./decode.js";
import { KafkaError, kafkaError } from "./errors.js";
import { nextFetchOffset, OffsetLedger, PartitionState } from "./partition-state.js";
import { PartitionWatermarks } from "./partition-watermarks.js";
import { checkpointTag, checkRestorable } from "./restore-check.js";
import {
  type KafkaSourceOptions,
  type ResolvedSourceOptions,
  resolveSourceOptions,
} from "./source-options.js";

/** Longest wait in ms of one `consume()` on an empty buffer before it returns `[]` (watermarks, idleness, stop). */
const POLL_MS = 200;

/** Messages of one partition fetched together, handed out from `i` on. */
interface Chunk {
  readonly state: PartitionState;
  /** The partition's assignment generation when fetched: a chunk of an earlier one is dropped. */
  readonly gen: number;
  readonly messages: RawMessage[];
  i: number;
}

/** Per-partition figures of {@link KafkaSource.metrics} (also in the run report). */
export interface KafkaPartitionMetrics {
  readonly topic: string;
  readonly partition: number;
  /** Messages between the last acknowledged (else committed) offset and the log end, as of the last fetch. */
  readonly lag: number;
  /** Offset after the longest acknowledged prefix; -1 before the first ack. */
  readonly acked: number;
  /** Offset last committed by this source; -1 before the first commit. */
  readonly committed: number;
  /** Log end offset as of the last fetch. */
  readonly highWatermark: number;
  /** Records fetched and not yet handed out. */
  readonly buffered: number;
  /** Whether the partition is paused for backpressure. */
  readonly paused: boolean;
}

/**
 * A Kafka **consumer-group source** on kafkajs (see docs/connectors.md, "Kafka source"), with
 * the delivery semantics of Flink's KafkaSource:
 *
 * - records are {@link KafkaRecord}s (key, value, topic, partition, offset, timestamp, headers);
 *   values decoded as `value` says; an undecodable message goes through the node's fault policy
 *   (`this.reject`) as an {@link UndecodableMessage} with its coordinates, and the job goes on;
 * - **offsets are committed only through `ack(position)`**: per partition, the offset after the
 *   longest prefix of records fully handled on every path (written by every sink, filtered out,
 *   dead-lettered) — at-least-once; kafkajs' auto-commit is off;
 * - **backpressure by pausing partitions**: at `maxBufferedRecords` fetched and not handed out,
 *   every assigned partition is paused until the buffer is half empty (no unbounded buffering);
 * - rebalances: when the group rebalances the source stops handing out records and commits what
 *   is acknowledged; revoked partitions' buffered records are dropped and their records still in
 *   flight are no longer committed by this source (their new owner reads them again: duplicates,
 *   never losses); kept partitions go on where they were;
 * - event time: the message timestamp (or `eventTime`); per-partition watermarks with idleness,
 *   the source's watermark being their minimum ({@link PartitionWatermarks});
 * - `bounded`: stops at the end offsets seen at start, of every partition (those another member
 *   holds must be committed to their end);
 * - `exactlyOnce`: offsets go into the sink's transaction (`exactlyOnce.commit`) instead.
 *
 * @typeParam T - the decoded value type.
 */
export class KafkaSource<T = unknown> extends Source<KafkaRecord<T>> {
  override name = "kafka";
  private readonly o: ResolvedSourceOptions<T>;
  private readonly decode: ValueDecoder<T>;
  private readonly watermarks: PartitionWatermarks;
  private readonly ledger = new OffsetLedger();
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private logger: Logger | undefined;
  private signal: AbortSignal | undefined;
  private lingerMs = 10;
  private maxBuffered = 4096;

  /** Every partition this source was assigned at some time (`"topic:partition"`). */
  private readonly parts = new Map<string, PartitionState>();
  /** The partitions assigned now. */
  private assigned: PartitionState[] = [];
  private topicList: string[] = [];
  /** Per partition: where `startFrom` says to begin (not for `"committed"`). */
  private readonly startOffsets = new Map<string, number>();
  /** Bounded mode: end offsets seen at start; low offsets for partitions without a committed offset. */
  private readonly endOffsets = new Map<string, number>();
  private readonly lowOffsets = new Map<string, number>();
  /** Bounded mode: when the group's committed offsets of partitions assigned elsewhere were last read (ms). */
  private othersCheckedAt = 0;

  private chunks: (Chunk | undefined)[] = [];
  private chunkHead = 0;
  private buffered = 0;
  private pausedAll = false;
  private joined = false;
  private rebalancing = false;
  private positionsPending = false;
  private crashed: KafkaError | undefined;
  private crashes = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private want = 0;
  private committing: Promise<void> = Promise.resolve();
  private commitQueued = false;
  private eosPending = false;
  private eosConnected = false;
  /** The Env takes checkpoints: offsets are committed when a checkpoint completes, not on ack. */
  private checkpointing = false;
  /** Offsets to resume from, per `"topic:partition"` (restorePosition), applied at first assignment. */
  private restored: Map<string, number> | undefined;

  /** @throws ConfigError when an option is wrong (see {@link KafkaSourceOptions}). */
  constructor(options: KafkaSourceOptions<T>) {
    super();
    this.o = resolveSourceOptions(options);
    if (this.o.name !== undefined) this.name = this.o.name;
    this.decode = valueDecoder(this.o.value);
    this.watermarks = new PartitionWatermarks(this.o.outOfOrdernessMs, this.o.idleTimeoutMs);
  }

  /** Records fetched and held by the source, not yet handed to Mass (bounded by `maxBufferedRecords` plus one fetch). */
  get bufferedRecords(): number {
    return this.buffered;
  }

  /** The buffer bound in records (`maxBufferedRecords`, or `4 * batchSize` once open). */
  get maxBufferedRecords(): number {
    return this.maxBuffered;
  }

  /** Whether the source has paused its partitions for backpressure now. */
  get paused(): boolean {
    return this.pausedAll;
  }

  /** The partitions assigned to this source now, as `"topic:partition"`, sorted. */
  get assignment(): string[] {
    return this.assigned.map((p) => p.id).sort();
  }

  /**
   * Per-partition lag, offsets and buffer of the partitions assigned now (those whose lag is
   * known: fetched at least once, with a known start): read by the run report
   * (`nodes[].partitions`) and the control plane's `mass_kafka_consumer_lag` metric.
   */
  metrics(): { partitions: KafkaPartitionMetrics[] } {
    const known = this.assigned.filter((p) => p.lag !== undefined);
    return {
      partitions: known.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        lag: p.lag!,
        acked: p.acked,
        committed: p.committed,
        highWatermark: p.highWatermark,
        buffered: p.buffered,
        paused: this.pausedAll,
      })),
    };
  }

  private ctx(extra: { topic?: string; partition?: number; offset?: string } = {}) {
    return { brokers: this.o.brokers, ...extra };
  }

  private partitionOf(topic: string, partition: number): PartitionState {
    const id = `${topic}:${partition}`;
    let p = this.parts.get(id);
    if (p === undefined) {
      p = new PartitionState(topic, partition);
      this.parts.set(id, p);
    }
    return p;
  }

  override async open(ctx?: OperatorContext): Promise<void> {
    const o = this.o;
    this.signal = ctx?.signal;
    this.logger = ctx?.logger;
    this.lingerMs = ctx?.lingerMs ?? 10;
    this.checkpointing = ctx?.checkpoints === true;
    this.maxBuffered = o.maxBufferedRecords ?? 4 * (ctx?.batchSize ?? 1024);
    this.kafka = createKafka(o, this.logger);
    this.admin = this.kafka.admin();
    try {
      await this.admin.connect();
    } catch (err) {
      throw kafkaError(err, `connecting to the cluster for consumer group "${o.groupId}"`, this.ctx());
    }
    await this.resolveTopics();
    await this.readStartOffsets();
    if (o.exactlyOnce !== undefined) {
      await o.exactlyOnce.connect();
      this.eosConnected = true;
    }
    const retry = o.retry ?? {};
    const restarts = retry.retries ?? 5;
    this.consumer = this.kafka.consumer({
      groupId: o.groupId,
      ...(o.sessionTimeoutMs === undefined ? {} : { sessionTimeout: o.sessionTimeoutMs }),
      ...(o.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: o.heartbeatIntervalMs }),
      ...(o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes }),
      maxBytesPerPartition: o.maxBytesPerPartition,
      maxWaitTimeInMs: o.maxWaitTimeMs,
      readUncommitted: false,
      retry: {
        retries: retry.retries ?? 5,
        initialRetryTime: retry.initialRetryTimeMs ?? 300,
        maxRetryTime: retry.maxRetryTimeMs ?? 30_000,
        // a crash (the broker gone past kafkajs' retries) restarts the consumer up to `retries`
        // times in a row; then the job fails with a retriable KafkaError
        restartOnFailure: async () => ++this.crashes <= restarts,
      },
    });
    const c = this.consumer;
    c.on(c.events.GROUP_JOIN, (e: ConsumerGroupJoinEvent) => this.onAssignment(e.payload.memberAssignment));
    c.on(c.events.REBALANCING, () => this.onRebalancing());
    c.on(c.events.CRASH, (e: ConsumerCrashEvent) => this.onCrash(e.payload.error, e.payload.restart));
    c.on(c.events.END_BATCH_PROCESS, (e) => {
      // batches of control records only (transactions) never reach eachBatch: move past them
      const p = this.parts.get(`${e.payload.topic}:${e.payload.partition}`);
      if (p === undefined || !p.assigned) return;
      p.highWatermark = Number(e.payload.highWatermark);
      // a batch delivered empty says lastOffset = high watermark - 1: not an offset that was read
      const next = nextFetchOffset(e.payload);
      if (next !== undefined && next > p.fetchNext) p.fetchNext = next;
    });
    try {
      await c.connect();
      await c.subscribe({ topics: this.topicList, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => this.onBatch(batch),
      });
    } catch (err) {
      throw kafkaError(
        err,
        `starting the consumer of group "${o.groupId}" on ${this.topicList.join(", ")}`,
        this.ctx(),
      );
    }
  }

  /** The topics to subscribe to: the names given (they must exist), or those matching the RegExp now. */
  private async resolveTopics(): Promise<void> {
    const t = this.o.topics;
    let existing: string[];
    try {
      existing = await this.admin!.listTopics();
    } catch (err) {
      throw kafkaError(err, "listing topics", this.ctx());
    }
    if (t instanceof RegExp) {
      this.topicList = existing.filter((n) => !n.startsWith("__") && t.test(n)).sort();
      if (this.topicList.length === 0) {
        throw new KafkaError(
          `kafka: no topic matches ${String(t)} on brokers ${this.o.brokers.join(", ")} (topics: ${existing.filter((n) => !n.startsWith("__")).join(", ") || "none"}); create one or fix kafkaSource(options).topics`,
          { brokers: this.o.brokers },
        );
      }
      return;
    }
    this.topicList = typeof t === "string" ? [t] : [...t];
    for (const name of this.topicList) {
      if (!existing.includes(name)) {
        throw new KafkaError(
          `kafka: topic "${name}" does not exist on brokers ${this.o.brokers.join(", ")}; create it (kafka-topics.sh --create, or admin.createTopics) or fix kafkaSource(options).topics`,
          { brokers: this.o.brokers, topic: name },
        );
      }
    }
  }

  /** Offsets `startFrom` and `bounded` need, read once at start. */
  private async readStartOffsets(): Promise<void> {
    const { startFrom, bounded } = this.o;
    if (startFrom === "committed" && !bounded) return;
    for (const topic of this.topicList) {
      try {
        const offsets = await this.admin!.fetchTopicOffsets(topic);
        for (const p of offsets) {
          const id = `${topic}:${p.partition}`;
          const high = Number(p.high);
          const low = Number(p.low);
          this.lowOffsets.set(id, low);
          if (bounded) this.endOffsets.set(id, high);
          if (startFrom === "earliest") this.startOffsets.set(id, low);
          else if (startFrom === "latest") this.startOffsets.set(id, high);
        }
        if (typeof startFrom === "object") {
          const byTime = await this.admin!.fetchTopicOffsetsByTimestamp(topic, startFrom.timestamp);
          for (const p of byTime) {
            const id = `${topic}:${p.partition}`;
            const off = Number(p.offset);
            // -1: no message at or after the timestamp: start at the end
            this.startOffsets.set(id, off >= 0 ? off : (this.endOffsets.get(id) ?? Number.MAX_SAFE_INTEGER));
          }
          if (!bounded) {
            // without bounded the high offsets were not kept: -1 answers need them
            for (const p of offsets) {
              const id = `${topic}:${p.partition}`;
              if (this.startOffsets.get(id) === Number.MAX_SAFE_INTEGER)
                this.startOffsets.set(id, Number(p.high));
            }
          }
        }
      } catch (err) {
        throw kafkaError(err, `reading the offsets of topic "${topic}"`, this.ctx({ topic }));
      }
    }
  }

  /** kafkajs delivered a batch of one partition: buffer it, pause at the bound, wake `consume`. */
  private onBatch(batch: Batch): void {
    const p = this.parts.get(`${batch.topic}:${batch.partition}`);
    if (p === undefined || !p.assigned || this.closed) return;
    p.highWatermark = Number(batch.highWatermark);
    let msgs = batch.messages as unknown as RawMessage[];
    if (p.fetchNext >= 0 && msgs.length > 0 && Number(msgs[0].offset) < p.fetchNext) {
      // fetched again after a rebalance or a seek: hand nothing out twice
      msgs = msgs.filter((m) => Number(m.offset) >= p.fetchNext);
    }
    const next = nextFetchOffset({ firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() });
    if (next !== undefined && next > p.fetchNext) p.fetchNext = next;
    if (msgs.length === 0) return;
    this.chunks.push({ state: p, gen: p.gen, messages: msgs, i: 0 });
    p.buffered += msgs.length;
    this.buffered += msgs.length;
    if (!this.pausedAll && this.buffered >= this.maxBuffered) this.pauseAll();
    if (p.end >= 0 && p.fetchNext >= p.end) this.pausePartition(p);
    if (this.wake !== undefined && this.buffered >= this.want) this.wake();
  }

  private topicPartitions(list: readonly PartitionState[]): { topic: string; partitions: number[] }[] {
    const by = new Map<string, number[]>();
    for (const p of list) {
      let a = by.get(p.topic);
      if (a === undefined) {
        a = [];
        by.set(p.topic, a);
      }
      a.push(p.partition);
    }
    return [...by].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private pauseAll(): void {
    this.pausedAll = true;
    for (const p of this.assigned) p.paused = true;
    if (this.assigned.length > 0) this.consumer?.pause(this.topicPartitions(this.assigned));
  }

  /** Bounded mode: a partition fetched up to its end needs no more fetches. */
  private pausePartition(p: PartitionState): void {
    if (p.paused) return;
    p.paused = true;
    this.consumer?.pause([{ topic: p.topic, partitions: [p.partition] }]);
  }

  private resumeAll(): void {
    this.pausedAll = false;
    const list = this.assigned.filter((p) => !(p.end >= 0 && p.fetchNext >= p.end));
    for (const p of list) p.paused = false;
    if (list.length > 0) this.consumer?.resume(this.topicPartitions(list));
  }

  /** The group is rebalancing: hand out nothing until the new assignment; commit what is acknowledged. */
  private onRebalancing(): void {
    this.rebalancing = true;
    if (this.checkpointing) return;
    if (this.o.exactlyOnce !== undefined) this.eosPending = true;
    else this.commit().catch((err) => this.logger?.warn({ err }, "kafka: commit before a rebalance failed"));
  }

  /** A new assignment (after a join): drop what was revoked, start what is new, go on with what is kept. */
  private onAssignment(memberAssignment: Record<string, number[]>): void {
    this.crashes = 0;
    const now = Date.now();
    const next = new Set<PartitionState>();
    for (const topic of Object.keys(memberAssignment)) {
      for (const partition of memberAssignment[topic]) next.add(this.partitionOf(topic, partition));
    }
    for (const p of this.assigned) if (!next.has(p)) this.revoke(p);
    for (const p of next) {
      if (p.assigned) {
        // kept: kafkajs would restart it from the committed offset; go on where it was
        if (p.fetchNext >= 0) this.seek(p, p.fetchNext);
        continue;
      }
      p.assigned = true;
      p.lastActive = now;
      p.acked = -1;
      p.committed = -1;
      p.fetchNext = -1;
      p.position = -1;
      p.paused = false;
      p.end = this.o.bounded ? (this.endOffsets.get(p.id) ?? 0) : -1;
      if (!p.seen) {
        p.seen = true;
        const start = this.restored?.get(p.id) ?? this.startOffsets.get(p.id);
        if (start !== undefined) {
          this.seek(p, start);
          p.position = start;
        }
      }
      if (this.o.bounded && p.position < 0) this.positionsPending = true;
    }
    const fresh = [...next].filter((p) => p.committed < 0 && p.position < 0);
    if (fresh.length > 0 && !this.o.bounded) void this.loadCommitted(fresh);
    this.assigned = [...next];
    this.joined = true;
    this.rebalancing = false;
    if (this.pausedAll) this.pauseAll();
    for (const p of this.assigned) if (p.end >= 0 && p.position >= p.end) this.pausePartition(p);
    this.logger?.debug(
      { groupId: this.o.groupId, assignment: this.assignment },
      "kafka: partitions assigned",
    );
    this.wake?.();
  }

  private seek(p: PartitionState, offset: number): void {
    try {
      this.consumer?.seek({ topic: p.topic, partition: p.partition, offset: String(offset) });
      p.fetchNext = offset;
    } catch (err) {
      this.logger?.warn({ err, partition: p.id }, "kafka: seek failed");
    }
  }

  /** `p` is no longer ours: drop its buffered records; in-flight acks of it are not committed (at-least-once). */
  private revoke(p: PartitionState): void {
    p.assigned = false;
    p.gen++;
    // exactly-once: records in flight of a revoked partition are in the open transaction, and
    // their offsets go with it; at-least-once: the new owner commits from now on
    if (this.o.exactlyOnce === undefined) p.epoch++;
    this.buffered -= p.buffered;
    p.buffered = 0;
    p.paused = false;
  }

  private onCrash(error: unknown, restart: boolean): void {
    // the consumer left the group: nothing in flight may be committed by this member any more
    for (const p of this.assigned) this.revoke(p);
    this.assigned = [];
    this.rebalancing = true;
    if (!restart) {
      this.crashed = kafkaError(error, `consuming for group "${this.o.groupId}"`, this.ctx());
      this.wake?.();
    } else this.logger?.warn({ err: error }, "kafka: the consumer crashed and restarts");
  }

  /** The group's committed offsets of newly assigned partitions, for their lag (best effort). */
  private async loadCommitted(list: PartitionState[]): Promise<void> {
    try {
      const answer = await this.admin!.fetchOffsets({
        groupId: this.o.groupId,
        topics: [...new Set(list.map((p) => p.topic))],
      });
      for (const t of answer) {
        for (const a of t.partitions) {
          const p = this.parts.get(`${t.topic}:${a.partition}`);
          const committed = Number(a.offset);
          if (p?.assigned && p.committed < 0 && committed >= 0) p.committed = committed;
        }
      }
    } catch (err) {
      this.logger?.debug({ err }, "kafka: reading committed offsets for the lag failed");
    }
  }

  /** Bounded mode: the start position of newly assigned partitions (committed offset, else the earliest). */
  private async resolvePositions(): Promise<void> {
    this.positionsPending = false;
    const pending = this.assigned.filter((p) => p.position < 0);
    if (pending.length === 0) return;
    let answer: { topic: string; partitions: { partition: number; offset: string }[] }[];
    try {
      answer = await this.admin!.fetchOffsets({
        groupId: this.o.groupId,
        topics: [...new Set(pending.map((p) => p.topic))],
      });
    } catch (err) {
      throw kafkaError(err, `reading the committed offsets of group "${this.o.groupId}"`, this.ctx());
    }
    for (const t of answer) {
      for (const a of t.partitions) {
        const p = this.parts.get(`${t.topic}:${a.partition}`);
        if (p === undefined || !p.assigned || p.position >= 0) continue;
        const committed = Number(a.offset);
        if (committed >= 0) p.committed = committed;
        p.position = committed >= 0 ? committed : (this.lowOffsets.get(p.id) ?? 0);
        if (p.position >= p.end) this.pausePartition(p);
      }
    }
  }

  /**
   * Bounded mode: whether every partition seen at start is finished — those assigned here got
   * to their end offset, and each of the others (read by another member of the group, or by
   * nobody yet: a member that left without its session ending) has the group's committed offset
   * at its end, or was empty. Ending on the assigned ones alone made a job that joined a group
   * with a stale member end without reading the partitions the stale member held.
   */
  private async boundedDone(): Promise<boolean> {
    if (!this.joined || this.rebalancing || this.positionsPending || this.buffered > 0) return false;
    if (!this.assigned.every((p) => p.reachedEnd)) return false;
    const others = [...this.endOffsets].filter(
      ([id, end]) => !this.parts.get(id)?.assigned && end > (this.lowOffsets.get(id) ?? 0),
    );
    if (others.length === 0) return true;
    const now = Date.now();
    if (now < this.othersCheckedAt + POLL_MS) return false;
    this.othersCheckedAt = now;
    let answer: { topic: string; partitions: { partition: number; offset: string }[] }[];
    try {
      answer = await this.admin!.fetchOffsets({
        groupId: this.o.groupId,
        topics: [...new Set(others.map(([id]) => id.slice(0, id.lastIndexOf(":"))))],
      });
    } catch (err) {
      this.logger?.debug({ err }, "kafka: reading the group's committed offsets (bounded end) failed");
      return false;
    }
    const committed = new Map<string, number>();
    for (const t of answer)
      for (const a of t.partitions) committed.set(`${t.topic}:${a.partition}`, Number(a.offset));
    return others.every(([id, end]) => (committed.get(id) ?? -1) >= end);
  }

  private waitFor(want: number, ms: number): Promise<void> {
    const signal = this.signal;
    if (signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.want = want;
      this.wake = done;
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async consume(size: number): Promise<KafkaRecord<T>[] | null> {
    if (this.crashed !== undefined) throw this.crashed;
    const orphaned = this.ledger.settleOrphans();
    if (orphaned.length > 0 && this.o.exactlyOnce === undefined && !this.checkpointing) await this.commit();
    if (this.o.exactlyOnce !== undefined && !this.checkpointing) await this.commitTransaction(false);
    if (this.positionsPending) await this.resolvePositions();
    if (this.o.bounded && (await this.boundedDone())) return null;
    if (this.rebalancing || !this.joined) {
      await this.waitFor(Number.POSITIVE_INFINITY, POLL_MS);
      return [];
    }
    if (this.buffered === 0) await this.waitFor(1, POLL_MS);
    if (this.buffered > 0 && this.buffered < size) await this.waitFor(size, this.lingerMs);
    if (this.crashed !== undefined) throw this.crashed;
    if (this.rebalancing || this.signal?.aborted === true) return [];
    const out = this.take(size);
    if (out.length === 0 && this.o.bounded && (await this.boundedDone())) return null;
    return out;
  }

  /** Hands out up to `size` buffered records in fetch order, decoding them. */
  private take(size: number): KafkaRecord<T>[] {
    const out: KafkaRecord<T>[] = [];
    const marks = new Map<PartitionState, number>();
    const now = Date.now();
    const eventTime = this.o.eventTime;
    const chunks = this.chunks;
    while (out.length < size && this.chunkHead < chunks.length) {
      const c = chunks[this.chunkHead]!;
      const p = c.state;
      if (c.gen !== p.gen) {
        // revoked since it was fetched (its count left the buffer then)
        chunks[this.chunkHead++] = undefined;
        continue;
      }
      const msgs = c.messages;
      let i = c.i;
      const stop = Math.min(msgs.length, i + size - out.length);
      for (; i < stop; i++) {
        const m = msgs[i];
        const off = Number(m.offset);
        if (p.end >= 0 && off >= p.end) continue; // bounded: past the end seen at start
        p.position = off + 1;
        let rec: KafkaRecord<T>;
        let ts: number;
        try {
          rec = decodeMessage(p.topic, p.partition, m, this.decode, this.o.brokers);
          ts = eventTime === undefined ? rec.timestamp : eventTime(rec);
        } catch (err) {
          this.reject(undecodable(p.topic, p.partition, m), err);
          continue;
        }
        if (ts > p.maxTs) p.maxTs = ts;
        out.push(rec);
      }
      const n = i - c.i;
      c.i = i;
      p.buffered -= n;
      this.buffered -= n;
      p.lastActive = now;
      if (p.buffered === 0 && p.fetchNext > p.position) {
        // offsets without messages (transaction markers, compacted away) up to what was fetched
        p.position = p.end >= 0 ? Math.max(p.position, Math.min(p.fetchNext, p.end)) : p.fetchNext;
      }
      if (p.position >= 0) marks.set(p, p.position);
      if (i === msgs.length) chunks[this.chunkHead++] = undefined;
    }
    if (this.chunkHead === chunks.length) {
      this.chunks = [];
      this.chunkHead = 0;
    } else if (this.chunkHead > 1024) {
      this.chunks = chunks.slice(this.chunkHead);
      this.chunkHead = 0;
    }
    if (marks.size > 0) this.ledger.handOut(out.length, [...marks]);
    if (this.pausedAll && this.buffered <= this.maxBuffered / 2) this.resumeAll();
    return out;
  }

  override currentWatermark(): number | undefined {
    return this.watermarks.compute(this.assigned, Date.now());
  }

  /**
   * Every record before `position` is handled: commits, per partition, the offset after the
   * longest acknowledged prefix (at-least-once). With `exactlyOnce` the offsets wait for the
   * next transaction commit instead.
   */
  override ack(position: number): Promise<void> | undefined {
    const advanced = this.ledger.ack(position);
    if (this.o.exactlyOnce !== undefined || this.checkpointing || advanced.length === 0) return undefined;
    return this.commit();
  }

  /**
   * For checkpoints: the next offset to hand out of every assigned partition that handed out
   * something (or was positioned), as `{ "topic:partition": offset }`, as of the last batch
   * `consume` returned.
   */
  override snapshotPosition(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.assigned) if (p.position >= 0) out[p.id] = p.position;
    return out;
  }

  /**
   * For checkpoints: resume each partition of `position` (from {@link snapshotPosition}) at its
   * offset, ahead of the group's committed offsets and `startFrom`; other partitions start as
   * they would without it. Applies to partitions assigned now and, later, to each partition the
   * first time it is assigned.
   * @throws ConnectorError when `position` is not a position this source wrote.
   */
  override restorePosition(position: unknown): void {
    const offsets = parsePosition(position);
    this.restored = offsets;
    for (const p of this.assigned) {
      const off = offsets.get(p.id);
      if (off === undefined) continue;
      // fetched from the committed offset before the restore: drop, read again from `off`
      p.gen++;
      this.buffered -= p.buffered;
      p.buffered = 0;
      this.seek(p, off);
      p.position = off;
    }
  }

  /**
   * For checkpoints: checkpoint `id` is stored, so its positions are durable: commits them to the
   * group (at-least-once; partitions assigned now), or, with `exactlyOnce`, adds them to the open
   * transaction (`exactlyOnce.sendCheckpointOffsets`, every partition of the position, tagged
   * with the checkpoint id in the offsets' `metadata`), which the sinks then commit with the
   * records they pre-committed for this checkpoint (two-phase commit).
   * @throws KafkaError when the commit fails (with `exactlyOnce` the transaction is aborted and
   *   the sinks fail the job).
   */
  override async checkpointComplete(id: number, position: unknown): Promise<void> {
    const offsets = parsePosition(position);
    const eos = this.o.exactlyOnce;
    const list: [PartitionState, number][] = [];
    for (const [pid, off] of offsets) {
      const p = this.parts.get(pid);
      if (p === undefined) continue;
      // exactly-once: every partition, so its metadata names the newest committed checkpoint
      if (eos !== undefined ? off < p.committed : off <= p.committed) continue;
      if (eos === undefined && !p.assigned) continue;
      list.push([p, off]);
    }
    if (this.consumer === undefined) return;
    if (eos !== undefined) {
      try {
        const tagged = topicOffsets(list, checkpointTag(id));
        if (eos.sendCheckpointOffsets !== undefined)
          await eos.sendCheckpointOffsets(id, this.o.groupId, tagged);
        else await eos.commit(this.o.groupId, tagged);
      } catch (err) {
        throw kafkaError(
          err,
          `adding the offsets of checkpoint ${id} of group "${this.o.groupId}" to the transaction`,
          this.ctx(),
        );
      }
    } else {
      if (list.length === 0) return;
      const flat = list.map(([p, off]) => ({ topic: p.topic, partition: p.partition, offset: String(off) }));
      await this.committing.catch(() => {});
      try {
        await this.consumer.commitOffsets(flat);
      } catch (err) {
        throw kafkaError(err, `committing the checkpointed offsets of group "${this.o.groupId}"`, this.ctx());
      }
    }
    for (const [p, off] of list) if (off > p.committed) p.committed = off;
  }

  /**
   * For `env.run({ restore: true })` with `exactlyOnce` (docs/checkpoints.md, "Which checkpoint
   * is restored"): a checkpoint is stored before its transaction commits, so after a crash
   * between the two the newest checkpoint's offsets are not the group's. Accepts `checkpoint`
   * when the group's committed offset of every partition in its position equals it (and was
   * committed by that checkpoint: the offsets' metadata); `null` (start empty) when no offset of
   * the group carries a checkpoint's tag. Without `exactlyOnce` every checkpoint is accepted.
   * Opens its own admin client (called before `open`).
   * @returns `true`, or what the group committed instead.
   * @throws KafkaError when the group's offsets cannot be read.
   */
  override async restorable(checkpoint: RestoreCandidate | null): Promise<true | string> {
    if (this.o.exactlyOnce === undefined) return true;
    const positions =
      checkpoint === null || checkpoint.position === undefined
        ? undefined
        : parsePosition(checkpoint.position);
    const t = this.o.topics;
    const topics = t instanceof RegExp ? await this.topicsMatching(t) : typeof t === "string" ? [t] : [...t];
    return checkRestorable(this.o, this.o.groupId, topics, checkpoint, positions);
  }

  /** Topics matching `re` now (for {@link KafkaSource.restorable}, before `open`). */
  private async topicsMatching(re: RegExp): Promise<string[]> {
    const admin = createKafka(this.o).admin();
    try {
      await admin.connect();
      return (await admin.listTopics()).filter((n) => !n.startsWith("__") && re.test(n));
    } catch (err) {
      throw kafkaError(err, "listing topics", this.ctx());
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /**
   * Commits the acknowledged offsets of the assigned partitions, one commit at a time (acks that
   * come meanwhile are folded into the next). A commit refused because the group is
   * rebalancing, or any retriable error, is logged and left to the next ack (the offsets stay
   * acknowledged); other errors reject with a {@link KafkaError}.
   */
  private commit(): Promise<void> {
    if (this.commitQueued) return this.committing;
    this.commitQueued = true;
    const run = async () => {
      this.commitQueued = false;
      const list = this.assigned.filter((p) => p.acked > p.committed);
      if (list.length === 0 || this.consumer === undefined) return;
      const offsets = list.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.acked) }));
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (err) {
        const e = kafkaError(err, `committing the offsets of group "${this.o.groupId}"`, this.ctx());
        if (e.retriable || /rebalanc|generation|member|coordinator/i.test(e.message)) {
          this.logger?.warn({ err: e }, "kafka: offset commit failed; the next acknowledgement retries it");
          return;
        }
        throw e;
      }
      for (const o of offsets) {
        const p = this.parts.get(`${o.topic}:${o.partition}`)!;
        const v = Number(o.offset);
        if (v > p.committed) p.committed = v;
      }
    };
    this.committing = this.committing.catch(() => {}).then(run);
    return this.committing;
  }

  /**
   * Exactly-once: when the coordinator says a commit is due (or a rebalance began), stops
   * handing out records until everything handed out is acknowledged (the sinks wrote it into the
   * open transaction), then commits the transaction with the offsets.
   * @throws KafkaError when the commit fails (the transaction is aborted; restart the job: it
   *   resumes from the last committed offsets).
   */
  private async commitTransaction(force: boolean): Promise<void> {
    const eos = this.o.exactlyOnce!;
    if (!force && !this.eosPending && !eos.due()) return;
    await this.ledger.whenDrained(force ? undefined : this.signal);
    if (!this.ledger.drained) return;
    this.eosPending = false;
    const list = [...this.parts.values()].filter((p) => p.acked > p.committed);
    if (list.length === 0) return;
    const sent = list.map((p) => [p, p.acked] as [PartitionState, number]);
    const offsets = topicOffsets(sent);
    try {
      await eos.commit(this.o.groupId, offsets);
    } catch (err) {
      await eos.abort().catch(() => {});
      throw kafkaError(
        err,
        `committing the transaction with the offsets of group "${this.o.groupId}" (aborted; the job resumes from the last committed offsets when restarted)`,
        this.ctx(),
      );
    }
    for (const [p, v] of sent) if (v > p.committed) p.committed = v;
  }

  /**
   * Commits what is acknowledged (at-least-once), or commits the open transaction's offsets
   * (exactly-once; aborts it after a failure), then leaves the group and closes the clients.
   */
  override async cleanup(err?: Error): Promise<void> {
    this.closed = true;
    this.wake?.();
    try {
      if (this.consumer !== undefined && this.joined) {
        // rejected messages after the last batch: handled (dead-lettered) once all before them is
        this.ledger.settleOrphans();
        if (this.o.exactlyOnce === undefined) {
          await this.commit().catch((e) =>
            this.logger?.warn({ err: e }, "kafka: final offset commit failed"),
          );
        } else if (err === undefined && !this.checkpointing) {
          await this.commitTransaction(true);
        } else if (!this.checkpointing) await this.o.exactlyOnce.abort().catch(() => {});
        // with checkpoints the final checkpoint committed the last transaction; what a stop
        // left in the open one is aborted on disconnect (the next run restores the checkpoint)
      }
    } finally {
      await this.consumer?.disconnect().catch(() => {});
      await this.admin?.disconnect().catch(() => {});
      if (this.eosConnected) await this.o.exactlyOnce!.disconnect().catch(() => {});
      this.consumer = undefined;
      this.admin = undefined;
    }
  }
}

/**
 * Offsets in kafkajs' `sendOffsets` shape, grouped by topic; `metadata` goes with each partition
 * (kafkajs passes it on to TxnOffsetCommit, its types do not list it).
 */
function topicOffsets(
  list: readonly (readonly [PartitionState, number])[],
  metadata?: string,
): TopicOffsets[] {
  const byTopic = new Map<string, { partition: number; offset: string; metadata?: string }[]>();
  for (const [p, off] of list) {
    let a = byTopic.get(p.topic);
    if (a === undefined) {
      a = [];
      byTopic.set(p.topic, a);
    }
    a.push(
      metadata === undefined
        ? { partition: p.partition, offset: String(off) }
        : { partition: p.partition, offset: String(off), metadata },
    );
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** A checkpointed position: `{ "topic:partition": next offset }`. */
function parsePosition(position: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const bad = () =>
    new ConnectorError(
      `kafka: cannot resume from position ${JSON.stringify(position)}: expected { "topic:partition": offset } as kafkaSource's snapshotPosition() writes it`,
      { connector: "kafka" },
    );
  if (position === null || typeof position !== "object" || Array.isArray(position)) throw bad();
  for (const [k, v] of Object.entries(position)) {
    if (!/^.+:\d+$/.test(k) || typeof v !== "number" || !Number.isInteger(v) || v < 0) throw bad();
    out.set(k, v);
  }
  return out;
}

/**
 * Builds a {@link KafkaSource}: a consumer-group source that commits offsets only for
 * acknowledged records (see docs/connectors.md, "Kafka source").
 * @throws ConfigError when an option is wrong or misspelt.
 */
export function kafkaSource<T = unknown>(options: KafkaSourceOptions<T>): KafkaSource<T> {
  return new KafkaSource<T>(options);
}
