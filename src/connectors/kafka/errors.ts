import { ConnectorError, type MassErrorOptions } from "../../errors.js";

/** Options of a {@link KafkaError}. */
export interface KafkaErrorOptions extends MassErrorOptions {
  /** The bootstrap servers the client was given. */
  brokers?: readonly string[];
  /** Topic, partition and offset concerned, where known. */
  topic?: string;
  partition?: number;
  offset?: string;
  /** kafkajs' error type, e.g. `"KafkaJSConnectionError"`, or the broker's error code name. */
  type?: string;
}

/**
 * An error of the Kafka connector (`mass-stream/connectors/kafka`): a {@link ConnectorError}
 * (connector `"kafka"`) with the brokers and, where known, the topic, partition and offset.
 * `retriable` follows kafkajs' own classification (a broker that is down or a leader election:
 * retriable; an unknown topic with auto-creation off, an authorization failure, a fenced
 * transactional producer: not). A dead letter for an undecodable message carries one of these.
 */
export class KafkaError extends ConnectorError {
  readonly brokers?: readonly string[];
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly type?: string;

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, { connector: "kafka", ...options });
    if (options.brokers !== undefined) this.brokers = options.brokers;
    if (options.topic !== undefined) this.topic = options.topic;
    if (options.partition !== undefined) this.partition = options.partition;
    if (options.offset !== undefined) this.offset = options.offset;
    if (options.type !== undefined) this.type = options.type;
  }
}

/** Where a Kafka error happened, for {@link kafkaError}. */
export interface KafkaErrorContext {
  brokers: readonly string[];
  topic?: string;
  partition?: number;
  offset?: string;
}

/** The fields kafkajs puts on its errors. @internal */
interface DriverError {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
}

const CONNECTION_ERRORS = new Set([
  "KafkaJSConnectionError",
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSNonRetriableError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
]);

/**
 * Wraps a kafkajs error (or any thrown value) into a {@link KafkaError} whose message says what
 * failed, where, and what to check. An error that already is a KafkaError is returned as it is.
 * A connection failure (broker down, unreachable) is retriable and names the brokers.
 * @param what - what the connector was doing, e.g. `"connecting the consumer of group g1"`.
 */
export function kafkaError(err: unknown, what: string, ctx: KafkaErrorContext): KafkaError {
  if (err instanceof KafkaError) return err;
  const e = (err ?? {}) as DriverError;
  const name = typeof e.name === "string" ? e.name : "Error";
  const reason = typeof e.message === "string" ? e.message : String(err);
  const where = [
    ctx.topic === undefined ? undefined : `topic "${ctx.topic}"`,
    ctx.partition === undefined ? undefined : `partition ${ctx.partition}`,
    ctx.offset === undefined ? undefined : `offset ${ctx.offset}`,
  ]
    .filter((x) => x !== undefined)
    .join(", ");
  const connection =
    CONNECTION_ERRORS.has(name) || /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|Connection/i.test(reason);
  const hint = connection
    ? `; check that a broker runs at ${ctx.brokers.join(", ")} and is reachable (the integration tests start one with scripts/services/kafka.ts)`
    : "";
  const retriable =
    e.retriable === true ||
    (connection && name !== "KafkaJSNonRetriableError") ||
    name === "KafkaJSNumberOfRetriesExceeded";
  return new KafkaError(
    `kafka: ${what}${where === "" ? "" : ` (${where})`} failed on brokers ${ctx.brokers.join(", ")}: ${name}: ${reason}${hint}`,
    {
      cause: err,
      retriable,
      brokers: ctx.brokers,
      ...(ctx.topic === undefined ? {} : { topic: ctx.topic }),
      ...(ctx.partition === undefined ? {} : { partition: ctx.partition }),
      ...(ctx.offset === undefined ? {} : { offset: ctx.offset }),
      type: typeof e.type === "string" ? e.type : name,
    },
  );
}
