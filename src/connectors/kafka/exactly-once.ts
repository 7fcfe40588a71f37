import {
  type Kafka,
  Partitioners,
  type Producer,
  type TopicMessages,
  type TopicOffsets,
  type Transaction,
} from "kafkajs";
import { ConfigError } from "../../errors.js";
import { checkInt, checkKeys, show } from "../../util/validate.js";
import { checkConnection, connectionKeys, createKafka, type KafkaConnectionOptions } from "./client.js";
import { KafkaError, kafkaError } from "./errors.js";

/**
 * The transaction shared by a job's {@link kafkaSource} and {@link kafkaSink} for exactly-once
 * Kafka to Kafka (see docs/connectors.md, "Exactly-once"). The sink writes into the open
 * transaction; the source, when {@link due}, drains (waits until everything it handed out was
 * acknowledged, i.e. written into the transaction) and calls {@link commit} with the next
 * offsets to read, which go into the same transaction (`sendOffsets`) before it commits.
 *
 * With the Env's checkpoints the transaction follows the checkpoints instead (two-phase commit,
 * as Flink's KafkaSink with `DeliveryGuarantee.EXACTLY_ONCE`; docs/checkpoints.md, "Exactly-once
 * with Kafka"): each sink seals the open transaction for checkpoint N when N's barrier passes it
 * ({@link preCommit}) and holds its later sends; when N is stored the sources add their offsets
 * ({@link sendCheckpointOffsets}) and the sinks commit ({@link commitCheckpoint}); the held
 * sends go on into the next transaction.
 */
export interface KafkaExactlyOnce {
  /**
   * Sink side: sends messages inside the open transaction (begins one when none is open).
   * Sends are serialized (one in flight). A `writer` (the sink) that pre-committed a checkpoint
   * waits here until that checkpoint's transaction committed (or the checkpoint was aborted).
   * @throws KafkaError (retriable) when the transaction failed or this producer was fenced;
   *   the transaction is aborted and the job must restart from the last committed offsets.
   */
  send(records: TopicMessages[], writer?: object): Promise<void>;
  /**
   * Sink side, with checkpoints (first phase): checkpoint `checkpointId`'s barrier passed
   * `writer`; what it sent so far belongs to that checkpoint's transaction, and its next sends
   * are held until {@link commitCheckpoint} of that id or a later one (or
   * {@link checkpointAborted}).
   * @throws KafkaError when the transaction already failed.
   */
  preCommit(writer: object, checkpointId: number): Promise<void>;
  /**
   * Source side, with checkpoints: checkpoint `checkpointId` is stored; adds the offsets of its
   * barrier to the open transaction (`sendOffsets`, each partition's `metadata` naming the
   * checkpoint so a restore can tell which checkpoint committed). Commits at once when no sink
   * writes into this transaction (a source alone).
   * @throws KafkaError (retriable) when it failed (the transaction is aborted; held sends fail).
   */
  sendCheckpointOffsets(checkpointId: number, groupId: string, offsets: TopicOffsets[]): Promise<void>;
  /**
   * Sink side, with checkpoints (second phase): commits the transaction of checkpoint
   * `checkpointId` (the records every sink pre-committed and the offsets the sources added),
   * once — later calls for the same or an older id do nothing — and releases the held sends
   * into a new transaction.
   * @throws KafkaError (retriable) when the commit failed (the transaction is aborted).
   */
  commitCheckpoint(checkpointId: number): Promise<void>;
  /**
   * Checkpoint `checkpointId` failed or was abandoned: the open transaction stays open (the next
   * checkpoint commits it) and the sends held for it go on into it.
   */
  checkpointAborted(checkpointId: number): void;
  /**
   * Source side: whether `commitIntervalMs` elapsed since the last commit (or since the first
   * send of the open transaction), or `commitEveryBatches` sends were made.
   */
  due(): boolean;
  /**
   * Source side: `sendOffsets(groupId, offsets)` then commit, in the open transaction (one is
   * begun if records were filtered out and none is open but offsets moved). Begins no new one.
   * @param offsets - the next offset to read per partition (kafkajs `sendOffsets` shape).
   * @throws KafkaError (retriable) when the commit failed or was fenced (aborted first).
   */
  commit(groupId: string, offsets: TopicOffsets[]): Promise<void>;
  /** Aborts the open transaction, if one: what it holds is never seen by `read_committed` readers. */
  abort(): Promise<void>;
  /**
   * Connects the transactional producer (ref-counted: the source and the sink both call it in
   * `open`; a sink passes itself as `writer`). The first connect registers the transactionalId
   * with the broker, which fences an older producer of the same id and aborts its open
   * transaction.
   * @throws KafkaError (retriable when the broker cannot be reached).
   */
  connect(writer?: object): Promise<void>;
  /**
   * Ref-counted: the last call aborts an open transaction and disconnects; sends still held
   * fail with a KafkaError.
   */
  disconnect(writer?: object): Promise<void>;
}

/** A sink that pre-committed a checkpoint: its sends wait for `released`. */
interface Seal {
  id: number;
  readonly released: Promise<void>;
  readonly release: () => void;
  readonly reject: (err: Error) => void;
}

/** Options of {@link kafkaExactlyOnce}. */
export interface KafkaExactlyOnceOptions extends KafkaConnectionOptions {
  /**
   * The producer's transactional id: stable for one job instance across restarts (a restart
   * with the same id fences the previous, possibly zombie, process). Two instances running at
   * once need two ids (see docs/connectors.md, "Fencing"). Required.
   */
  transactionalId: string;
  /** Commit a transaction at least this often (ms), when the source asks {@link KafkaExactlyOnce.due}. Default 1000. */
  commitIntervalMs?: number;
  /** Also commit after this many sink batches. Default: none (time only). */
  commitEveryBatches?: number;
  /**
   * The broker aborts a transaction open longer than this (ms; the broker's
   * `transaction.max.timeout.ms`, 15 min by default, is the upper bound). Default 60000.
   */
  transactionTimeoutMs?: number;
}

const EOS_KEYS = [
  ...connectionKeys,
  "transactionalId",
  "commitIntervalMs",
  "commitEveryBatches",
  "transactionTimeoutMs",
] as const;

/**
 * A transactional kafkajs producer behind the {@link KafkaExactlyOnce} interface.
 * @internal exported for tests; build it with {@link kafkaExactlyOnce}.
 */
export class KafkaTransactions implements KafkaExactlyOnce {
  private readonly options: KafkaExactlyOnceOptions;
  private readonly intervalMs: number;
  private readonly everyBatches: number | undefined;
  private refs = 0;
  private kafka: Kafka | undefined;
  private producer: Producer | undefined;
  private connecting: Promise<void> | undefined;
  private txn: Transaction | undefined;
  /** Serializes sends, commits and aborts: one transactional call in flight. */
  private queue: Promise<unknown> = Promise.resolve();
  private lastCommit = Date.now();
  private batches = 0;
  /** Set once a transactional call failed: the producer is unusable until reconnected. */
  private failed: KafkaError | undefined;
  /** Sinks connected to this transaction (they commit it at checkpoints). */
  private readonly writers = new Set<object>();
  /** Sinks that pre-committed a checkpoint whose transaction has not committed yet. */
  private readonly seals = new Map<object, Seal>();
  /** The highest checkpoint id whose transaction committed. */
  private committedThrough = 0;
  /** Transactions committed since connect (for reports and tests). */
  committed = 0;
  /** Transactions aborted since connect. */
  aborted = 0;

  /** @throws ConfigError when an option is wrong. */
  constructor(options: KafkaExactlyOnceOptions) {
    const path = "kafkaExactlyOnce(options)";
    if (typeof options !== "object" || options === null) {
      throw new ConfigError(
        `${path}: options must be an object with brokers and transactionalId, got ${show(options)}`,
        {
          option: path,
        },
      );
    }
    checkKeys(path, options, EOS_KEYS);
    checkConnection(path, options);
    if (typeof options.transactionalId !== "string" || options.transactionalId.trim() === "") {
      throw new ConfigError(
        `${path}.transactionalId must be a non-empty string, stable for this job instance across restarts, got ${show(options.transactionalId)}`,
        { option: `${path}.transactionalId` },
      );
    }
    this.intervalMs = checkInt(`${path}.commitIntervalMs`, options.commitIntervalMs ?? 1000, 1);
    this.everyBatches =
      options.commitEveryBatches === undefined
        ? undefined
        : checkInt(`${path}.commitEveryBatches`, options.commitEveryBatches, 1);
    checkInt(`${path}.transactionTimeoutMs`, options.transactionTimeoutMs ?? 60_000, 1);
    this.options = options;
  }

  /** The transactional id. */
  get transactionalId(): string {
    return this.options.transactionalId;
  }

  async connect(writer?: object): Promise<void> {
    this.refs++;
    if (writer !== undefined) this.writers.add(writer);
    if (this.connecting === undefined) {
      this.connecting = this.doConnect();
      this.connecting.catch(() => {
        this.connecting = undefined;
      });
    }
    try {
      await this.connecting;
    } catch (err) {
      this.refs--;
      if (writer !== undefined) this.writers.delete(writer);
      throw err;
    }
  }

  private async doConnect(): Promise<void> {
    const o = this.options;
    this.failed = undefined;
    // a new run: its checkpoint ids may start over (another store)
    this.committedThrough = 0;
    this.kafka = createKafka(o);
    const producer = this.kafka.producer({
      transactionalId: o.transactionalId,
      transactionTimeout: o.transactionTimeoutMs ?? 60_000,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: {
        retries: o.retry?.retries ?? 5,
        initialRetryTime: o.retry?.initialRetryTimeMs ?? 300,
        maxRetryTime: o.retry?.maxRetryTimeMs ?? 30_000,
      },
    });
    try {
      await producer.connect();
      // registers the transactional id now (InitProducerId): fences an older producer of the
      // same id and aborts its open transaction before this job's source reads any offset
      this.txn = await producer.transaction();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      throw retriableError(
        err,
        `exactly-once producer "${o.transactionalId}" could not connect or register its transactional id`,
        o.brokers,
      );
    }
    this.producer = producer;
    this.lastCommit = Date.now();
  }

  async disconnect(writer?: object): Promise<void> {
    if (writer !== undefined) {
      this.writers.delete(writer);
      this.unseal(writer, new KafkaError("kafka exactly-once: the sink disconnected", { retriable: false }));
    }
    if (this.refs === 0) return;
    if (--this.refs > 0) return;
    this.rejectSeals(
      new KafkaError(
        `kafka exactly-once: transactional producer "${this.options.transactionalId}" disconnected while sends were held for a checkpoint`,
        { retriable: true },
      ),
    );
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    try {
      await this.serial(async () => {
        if (this.txn?.isActive() && this.failed === undefined) {
          await this.txn.abort().catch(() => {});
          this.aborted++;
        }
        this.txn = undefined;
      });
    } finally {
      await producer?.disconnect().catch(() => {});
    }
  }

  due(): boolean {
    return (
      Date.now() - this.lastCommit >= this.intervalMs ||
      (this.everyBatches !== undefined && this.batches >= this.everyBatches)
    );
  }

  async send(records: TopicMessages[], writer?: object): Promise<void> {
    const seal = writer === undefined ? undefined : this.seals.get(writer);
    // sealed for a checkpoint: these records belong to the next transaction
    if (seal !== undefined) await seal.released;
    return this.serial(async () => {
      const txn = await this.begin("send");
      try {
        await txn.sendBatch({ topicMessages: records, acks: -1 });
        this.batches++;
      } catch (err) {
        throw await this.fail(err, "sending a batch in the transaction", records[0]?.topic);
      }
    });
  }

  commit(groupId: string, offsets: TopicOffsets[]): Promise<void> {
    return this.serial(async () => {
      const moved = offsets.some((t) => t.partitions.length > 0);
      if (this.txn === undefined && !moved) {
        this.lastCommit = Date.now();
        this.batches = 0;
        return;
      }
      const txn = await this.begin("commit");
      try {
        if (moved)
          await whileConcurrent(() => txn.sendOffsets({ consumerGroupId: groupId, topics: offsets }));
        await txn.commit();
      } catch (err) {
        throw await this.fail(
          err,
          `committing the transaction (offsets of group "${groupId}")`,
          offsets[0]?.topic,
        );
      }
      this.txn = undefined;
      this.committed++;
      this.lastCommit = Date.now();
      this.batches = 0;
    });
  }

  async preCommit(writer: object, checkpointId: number): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    const seal = this.seals.get(writer);
    if (seal !== undefined) {
      // sealed for an earlier checkpoint and sent nothing since: this one seals it too
      if (checkpointId > seal.id) seal.id = checkpointId;
      return;
    }
    if (checkpointId <= this.committedThrough) return;
    let release!: () => void;
    let reject!: (err: Error) => void;
    const released = new Promise<void>((res, rej) => {
      release = res;
      reject = rej;
    });
    released.catch(() => {});
    this.seals.set(writer, { id: checkpointId, released, release, reject });
  }

  sendCheckpointOffsets(checkpointId: number, groupId: string, offsets: TopicOffsets[]): Promise<void> {
    return this.serial(async () => {
      if (checkpointId <= this.committedThrough) return;
      if (offsets.some((t) => t.partitions.length > 0)) {
        const txn = await this.begin("sendOffsets");
        try {
          await whileConcurrent(() => txn.sendOffsets({ consumerGroupId: groupId, topics: offsets }));
        } catch (err) {
          throw await this.fail(
            err,
            `adding the offsets of checkpoint ${checkpointId} (group "${groupId}") to the transaction`,
            offsets[0]?.topic,
          );
        }
      }
      // no sink commits this transaction: the source does
      if (this.writers.size === 0) await this.commitNow(checkpointId);
    });
  }

  commitCheckpoint(checkpointId: number): Promise<void> {
    return this.serial(() => this.commitNow(checkpointId));
  }

  checkpointAborted(checkpointId: number): void {
    for (const [writer, seal] of this.seals) {
      if (seal.id > checkpointId) continue;
      this.seals.delete(writer);
      seal.release();
    }
  }

  /** Commits the open transaction for checkpoint `id` (once) and releases the sends held for it. */
  private async commitNow(id: number): Promise<void> {
    if (id <= this.committedThrough) return;
    if (this.failed !== undefined) throw this.failed;
    const txn = this.txn;
    if (txn?.isActive()) {
      try {
        await txn.commit();
      } catch (err) {
        throw await this.fail(err, `committing the transaction of checkpoint ${id}`, undefined);
      }
      this.committed++;
    }
    this.txn = undefined;
    this.committedThrough = id;
    this.lastCommit = Date.now();
    this.batches = 0;
    this.checkpointAborted(id);
  }

  /** Releases `writer`'s held sends with `err`. */
  private unseal(writer: object, err: Error): void {
    const seal = this.seals.get(writer);
    if (seal === undefined) return;
    this.seals.delete(writer);
    seal.reject(err);
  }

  /** Fails every held send with `err` (the transaction failed, or the producer disconnected). */
  private rejectSeals(err: Error): void {
    for (const writer of [...this.seals.keys()]) this.unseal(writer, err);
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      const txn = this.txn;
      this.txn = undefined;
      if (txn?.isActive()) {
        try {
          await txn.abort();
          this.aborted++;
        } catch (err) {
          throw kafkaError(err, `aborting the transaction of "${this.options.transactionalId}"`, {
            brokers: this.options.brokers,
          });
        }
      }
    });
  }

  /** The open transaction, begun when none is. */
  private async begin(what: string): Promise<Transaction> {
    if (this.failed !== undefined) throw this.failed;
    const producer = this.producer;
    if (producer === undefined) {
      throw new KafkaError(
        `kafka exactly-once: ${what} on transactional id "${this.options.transactionalId}" before connect() (or after disconnect())`,
        { retriable: false },
      );
    }
    if (this.txn?.isActive()) return this.txn;
    try {
      this.txn = await producer.transaction();
    } catch (err) {
      throw await this.fail(err, "beginning a transaction", undefined);
    }
    return this.txn;
  }

  /**
   * Aborts the open transaction (best effort: a fenced producer cannot) and returns the error
   * to throw: a retriable KafkaError (the job restarts from the last committed offsets).
   */
  private async fail(err: unknown, what: string, topic: string | undefined): Promise<KafkaError> {
    const txn = this.txn;
    this.txn = undefined;
    if (txn?.isActive()) {
      await txn.abort().catch(() => {});
      this.aborted++;
    }
    const type = (err as { type?: string })?.type;
    const fenced =
      type === "INVALID_PRODUCER_EPOCH" ||
      type === "PRODUCER_FENCED" ||
      type === "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
    const hint = fenced
      ? `: producer fenced — another process started with transactional id "${this.options.transactionalId}" (a restart of this job, or a second instance that needs its own id)`
      : "";
    const base = kafkaError(
      err,
      `exactly-once ${what} failed, transaction aborted${hint}; restart the job: it resumes from the last committed offsets`,
      {
        brokers: this.options.brokers,
        ...(topic === undefined ? {} : { topic }),
      },
    );
    const e = base.retriable
      ? base
      : new KafkaError(base.message, {
          cause: err,
          retriable: true,
          ...(topic === undefined ? {} : { topic }),
        });
    this.failed = e;
    this.rejectSeals(e);
    return e;
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

/**
 * Runs `call` again while the broker answers CONCURRENT_TRANSACTIONS (error 51: the previous
 * transaction of this transactional id is still being completed — its commit markers are being
 * written), with a backoff of 20 ms doubling to 500 ms, for at most `maxMs` (default 10 s), as
 * the Java producer retries AddOffsetsToTxn. kafkajs retries this error when it begins a
 * transaction but not in `sendOffsets` (its AddOffsetsToTxn request fails before any state
 * changed, so calling it again is safe). Other errors, and this one past `maxMs`, are thrown.
 * @internal exported for tests
 */
export async function whileConcurrent<R>(call: () => Promise<R>, maxMs = 10_000): Promise<R> {
  const deadline = Date.now() + maxMs;
  let wait = 20;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const type = (err as { type?: unknown } | null)?.type;
      if (type !== "CONCURRENT_TRANSACTIONS" || Date.now() + wait > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 500);
  }
}

/** kafkaError, made retriable (a broker that is down or a fenced id: a restart may succeed). */
function retriableError(err: unknown, what: string, brokers: string[], topic?: string): KafkaError {
  const e = kafkaError(err, what, { brokers, ...(topic === undefined ? {} : { topic }) });
  return e.retriable
    ? e
    : new KafkaError(e.message, { cause: err, retriable: true, ...(topic === undefined ? {} : { topic }) });
}

/**
 * Builds the shared transaction of an exactly-once Kafka to Kafka job: pass the same object as
 * `exactlyOnce` to the job's kafkaSource and kafkaSink. The source reads `read_committed`, the
 * sink writes into the transaction, and the consumed offsets commit in the same transaction
 * (`sendOffsets`), every `commitIntervalMs` (default 1000) or `commitEveryBatches` batches.
 * A fenced or failed transaction aborts, and the job fails with a retriable KafkaError; a
 * restart (same `transactionalId`) resumes from the last committed offsets, and consumers
 * reading `read_committed` see every input's output exactly once.
 *
 * As Flink's KafkaSink with `DeliveryGuarantee.EXACTLY_ONCE`, but one transactional id per job
 * instance (kafkajs has no KIP-447 group-metadata fencing; see docs/connectors.md, "Fencing").
 *
 * @throws ConfigError when an option is wrong.
 */
export function kafkaExactlyOnce(options: KafkaExactlyOnceOptions): KafkaExactlyOnce {
  return new KafkaTransactions(options);
}
