import {
  type Admin,
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
} from "kafkajs";
import type { OperatorContext } from "../../operators/context.js";
import { Sink } from "../../operators/sink.js";
import type { Logger } from "../../util/logger.js";
import { sleep } from "../../util/sleep.js";
import { createKafka } from "./client.js";
import { createEncoder, type Encoded } from "./encode.js";
import { KafkaError, kafkaError } from "./errors.js";
import {
  type KafkaSinkOptions,
  type ResolvedKafkaSinkOptions,
  resolveKafkaSinkOptions,
} from "./sink-options.js";

/** kafkajs error types that concern the records of a request, not the connection. */
const RECORD_ERRORS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "CORRUPT_MESSAGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "INVALID_REQUIRED_ACKS",
]);

/**
 * Writes records to Kafka (see docs/connectors.md, "Kafka sink").
 *
 * - **One produce per Mass batch**: every record of a batch is encoded, grouped by topic and
 *   sent with one kafkajs `sendBatch` (acks `-1`: every in-sync replica), and `produce` resolves
 *   only once the broker acknowledged all of it; so the source's offsets are committed only
 *   past records the broker holds (at-least-once end to end).
 * - **Idempotent producer** (as the Java client's `enable.idempotence`): the broker drops the
 *   duplicates that kafkajs' own retries of a request could create; one request in flight.
 * - **Retries**: kafkajs retries retriable errors (`retry` connection option); when it gives up,
 *   the sink sends the batch again up to `maxAttempts` times with doubling backoff, then fails
 *   with a retriable {@link KafkaError} that the node's fault policy handles.
 * - **Bad records**: a record that cannot be encoded (see {@link KafkaSinkOptions.value}), whose
 *   partition is outside its topic, or that the broker refuses for itself (too large, invalid)
 *   goes alone to the fault policy (`Sink.reject`: dead letter, skip or fail) with a KafkaError
 *   naming the topic; the rest of the batch is written. To find a refused record in a refused
 *   request the records are sent again one by one (a record already written with it may then
 *   be written twice: at-least-once).
 * - With `exactlyOnce`, records go into the job's open transaction instead (no retry: a failed
 *   transaction aborts and fails the job, retriably).
 * - With `exactlyOnce` and the Env's checkpoints: a two-phase-commit sink, as Flink's KafkaSink
 *   with `DeliveryGuarantee.EXACTLY_ONCE` (docs/checkpoints.md, "Exactly-once with Kafka"):
 *   {@link KafkaSink.preCommit} seals the open transaction for the checkpoint whose barrier
 *   passed, later records wait (backpressure) until {@link KafkaSink.checkpointComplete} commits
 *   it with the sources' offsets, then go into the next transaction.
 *
 * @typeParam T - record type.
 */
export class KafkaSink<T> extends Sink<T> {
  override name = "kafka";
  private readonly options: ResolvedKafkaSinkOptions<T>;
  private readonly encode: (record: T) => Encoded;
  private kafka: Kafka | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private signal: AbortSignal | undefined;
  private eosConnected = false;
  /** The Env takes checkpoints: with `exactlyOnce`, transactions commit with them. */
  private checkpointing = false;
  /** Partition counts per topic, fetched when a `partition` function is given. */
  private readonly partitions = new Map<string, number>();

  /** @throws ConfigError when an option is wrong (see {@link KafkaSinkOptions}). */
  constructor(options: KafkaSinkOptions<T>) {
    super();
    this.options = resolveKafkaSinkOptions(options);
    if (this.options.name !== undefined) this.name = this.options.name;
    this.encode = createEncoder(this.options);
  }

  /** @throws KafkaError (retriable) when no broker answers: it names the brokers. */
  override async open(ctx?: OperatorContext): Promise<void> {
    this.signal = ctx?.signal;
    this.checkpointing = ctx?.checkpoints === true;
    const o = this.options;
    if (o.exactlyOnce !== undefined) {
      await o.exactlyOnce.connect(this.checkpointing ? this : undefined);
      this.eosConnected = true;
    } else {
      this.kafka = createKafka(o, quiet(ctx?.logger));
      this.producer = await this.connectProducer();
    }
    if (o.partition !== undefined) {
      const admin = createKafka(o, ctx?.logger).admin();
      try {
        await admin.connect();
      } catch (err) {
        throw wrap(err, "kafkaSink could not connect its admin client", { brokers: o.brokers });
      }
      this.admin = admin;
    }
  }

  async produce(elems: T[]): Promise<void> {
    if (elems.length === 0) return;
    const encoded: Encoded[] = [];
    const records: T[] = [];
    const refused: [T, unknown][] = [];
    for (let i = 0; i < elems.length; i++) {
      const r = elems[i];
      try {
        encoded.push(this.encode(r));
        records.push(r);
      } catch (err) {
        refused.push([r, err]);
      }
    }
    if (this.options.partition !== undefined) await this.checkPartitions(encoded, records, refused);
    for (const [r, err] of refused) await this.reject(r, err);
    if (encoded.length === 0) return;
    const eos = this.options.exactlyOnce;
    if (eos !== undefined) {
      await eos.send(group(encoded), this.checkpointing ? this : undefined);
      return;
    }
    try {
      await this.send(group(encoded));
    } catch (err) {
      if (!(err instanceof KafkaError) || !isRecordError(err) || encoded.length === 1) throw err;
      // find the refused record(s): one by one
      for (let i = 0; i < encoded.length; i++) {
        try {
          await this.send(group([encoded[i]]));
        } catch (one) {
          if (one instanceof KafkaError && isRecordError(one)) await this.reject(records[i], one);
          else throw one;
        }
      }
    }
  }

  /** A new idempotent producer (a new producer id: its sequence numbers start afresh). */
  private async connectProducer(): Promise<Producer> {
    const o = this.options;
    const producer = this.kafka!.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: {
        retries: o.retry?.retries ?? 5,
        initialRetryTime: o.initialRetryTimeMs,
        maxRetryTime: o.maxRetryTimeMs,
      },
    });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      throw wrap(err, "kafkaSink could not connect its producer", { brokers: o.brokers });
    }
    return producer;
  }

  /**
   * Replaces the producer after a failed request: kafkajs' idempotent producer keeps sequence
   * numbers that no longer match the broker's after a refused request (its next requests are
   * refused as out of order, or silently dropped as duplicates), so the Java client's fix is
   * applied: a new producer id.
   */
  private async resetProducer(): Promise<Producer> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => {});
    this.producer = await this.connectProducer();
    return this.producer;
  }

  /** One sendBatch, retried on retriable errors up to `maxAttempts`. */
  private async send(topicMessages: TopicMessages[]): Promise<void> {
    const o = this.options;
    if (this.kafka === undefined) {
      throw new KafkaError("kafka sink: produce() before open() or after cleanup()", { retriable: false });
    }
    let producer = this.producer ?? (await this.resetProducer());
    const compression = o.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.sendBatch({ topicMessages, acks: -1, compression });
        return;
      } catch (err) {
        const retriable = retriableChain(err);
        if (retriable && attempt < o.maxAttempts && this.signal?.aborted !== true) {
          await sleep(Math.min(o.maxRetryTimeMs, o.initialRetryTimeMs * 2 ** (attempt - 1)), this.signal);
          producer = await this.resetProducer();
          continue;
        }
        // the next request needs fresh sequence numbers (see resetProducer); a failure to
        // reconnect surfaces on the next produce
        await this.resetProducer().catch(() => {});
        const topics = topicMessages.map((t) => t.topic);
        const n = topicMessages.reduce((s, t) => s + t.messages.length, 0);
        throw wrap(
          err,
          `kafka sink: producing ${n} message(s) to ${topics.join(", ")} failed after ${attempt} attempt(s)`,
          {
            brokers: o.brokers,
            ...(topics.length === 1 ? { topic: topics[0] } : {}),
          },
        );
      }
    }
  }

  /** Moves records whose partition is outside their topic to `refused`. */
  private async checkPartitions(encoded: Encoded[], records: T[], refused: [T, unknown][]): Promise<void> {
    const admin = this.admin!;
    for (const e of encoded) {
      const t = e.topic;
      if (!this.partitions.has(t) || (e.message.partition ?? 0) >= this.partitions.get(t)!) {
        try {
          const meta = await admin.fetchTopicMetadata({ topics: [t] });
          this.partitions.set(t, meta.topics[0]?.partitions.length ?? 0);
        } catch (err) {
          throw wrap(err, `kafka sink: reading the partitions of topic "${t}" failed`, {
            brokers: this.options.brokers,
            topic: t,
          });
        }
      }
    }
    let w = 0;
    for (let i = 0; i < encoded.length; i++) {
      const e = encoded[i];
      const n = this.partitions.get(e.topic) ?? 0;
      const p = e.message.partition ?? 0;
      if (p >= n) {
        refused.push([
          records[i],
          new KafkaError(
            `kafka sink: partition ${p} does not exist in topic "${e.topic}" (${n} partitions); fix the partition function`,
            { retriable: false, topic: e.topic, partition: p },
          ),
        ]);
        continue;
      }
      encoded[w] = e;
      records[w] = records[i];
      w++;
    }
    encoded.length = w;
    records.length = w;
  }

  /**
   * Two-phase commit, first phase (with `exactlyOnce` and checkpoints): every record before
   * checkpoint `checkpointId`'s barrier is in the open transaction (each `produce` awaited its
   * send); the transaction now belongs to that checkpoint and this sink's next records wait for
   * its commit. Without `exactlyOnce` (or checkpoints) it does nothing: at-least-once.
   * @throws KafkaError when the transaction already failed (the job fails; restart it).
   */
  override async preCommit(checkpointId: number): Promise<void> {
    const eos = this.options.exactlyOnce;
    if (eos === undefined || !this.checkpointing || !this.eosConnected) return;
    await eos.preCommit(this, checkpointId);
  }

  /**
   * Two-phase commit, second phase: checkpoint `checkpointId` is stored and the sources added
   * their offsets: commits the transaction (once for all sinks sharing it), releasing the
   * records held since the barrier into the next one.
   * @throws KafkaError (retriable) when the commit failed: the transaction is aborted and the
   *   job fails; a restart resumes from the newest checkpoint whose commit happened.
   */
  override async checkpointComplete(checkpointId: number): Promise<void> {
    const eos = this.options.exactlyOnce;
    if (eos === undefined || !this.checkpointing || !this.eosConnected) return;
    await eos.commitCheckpoint(checkpointId);
  }

  /**
   * Checkpoint `checkpointId` failed or was abandoned: nothing is aborted; the records held
   * since its barrier go on into the open transaction, which the next checkpoint commits.
   */
  override checkpointAborted(checkpointId: number): void {
    const eos = this.options.exactlyOnce;
    if (eos === undefined || !this.checkpointing || !this.eosConnected) return;
    eos.checkpointAborted(checkpointId);
  }

  override async cleanup(): Promise<void> {
    const producer = this.producer;
    const admin = this.admin;
    this.producer = undefined;
    this.admin = undefined;
    this.kafka = undefined;
    await Promise.all([producer?.disconnect().catch(() => {}), admin?.disconnect().catch(() => {})]);
    if (this.eosConnected) {
      this.eosConnected = false;
      await this.options.exactlyOnce?.disconnect(this.checkpointing ? this : undefined);
    }
  }
}

/**
 * The Env's logger without kafkajs' warning that limited retries "may invalidate EoS": the sink
 * limits them on purpose (a broker down for good must fail the job, not hang it) and takes a
 * new producer id after a failed request, which keeps the at-least-once guarantee.
 */
function quiet(logger: Logger | undefined): Logger | undefined {
  if (logger === undefined) return undefined;
  return {
    debug: (o, m) => logger.debug(o, m),
    info: (o, m) => logger.info(o, m),
    warn: (o, m) =>
      m?.includes("Limiting retries for the idempotent producer") ? logger.debug(o, m) : logger.warn(o, m),
    error: (o, m) => logger.error(o, m),
  };
}

/** Groups encoded records by topic, keeping their order. */
function group(encoded: Encoded[]): TopicMessages[] {
  if (encoded.length > 0) {
    const t0 = encoded[0].topic;
    let same = true;
    for (let i = 1; i < encoded.length && same; i++) same = encoded[i].topic === t0;
    if (same) return [{ topic: t0, messages: encoded.map((e) => e.message) }];
  }
  const byTopic = new Map<string, Message[]>();
  for (const e of encoded) {
    let list = byTopic.get(e.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(e.topic, list);
    }
    list.push(e.message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * kafkaError, retriable when the error is, or when kafkajs gave up retrying a retriable one
 * (`KafkaJSNumberOfRetriesExceeded` is itself marked non-retriable: a broker that is down
 * may be back on the job's restart).
 */
function wrap(err: unknown, what: string, ctx: Parameters<typeof kafkaError>[2]): KafkaError {
  const e = kafkaError(err, what, ctx);
  if (e.retriable || !retriableChain(err)) return e;
  return new KafkaError(e.message, { cause: err, retriable: true, ...withoutBrokers(ctx) });
}

function withoutBrokers(ctx: Parameters<typeof kafkaError>[2]): { topic?: string } {
  return ctx.topic === undefined ? {} : { topic: ctx.topic };
}

/** Whether `err` or an error of its cause chain is marked retriable by kafkajs. @internal */
function retriableChain(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function isRecordError(err: KafkaError): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && RECORD_ERRORS.has(type)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Builds a {@link KafkaSink}: an idempotent producer writing one request per Mass batch,
 * acknowledging a batch only after the broker did.
 * @throws ConfigError when an option is wrong (a misspelt option gets a suggestion).
 */
export function kafkaSink<T = unknown>(options: KafkaSinkOptions<T>): KafkaSink<T> {
  return new KafkaSink<T>(options);
}
