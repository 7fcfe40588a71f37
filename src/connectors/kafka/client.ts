import type { ConnectionOptions } from "node:tls";
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from "kafkajs";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../util/logger.js";

/**
 * How a Kafka connector reaches the cluster (shared by `kafkaSource`, `kafkaSink` and
 * `kafkaExactlyOnce`). Defaults suit a local broker; kafkajs' own retry (exponential backoff
 * with jitter) handles transient broker errors before the connector gives up with a retriable
 * {@link KafkaError}.
 */
export interface KafkaConnectionOptions {
  /** Bootstrap servers, `host:port`. Required, at least one. Use `127.0.0.1`, not `localhost`. */
  brokers: string[];
  /** Client id sent to the brokers (quotas, broker logs). Default `"mass"`. */
  clientId?: string;
  /** Time to establish a TCP connection, ms. Default 3000. */
  connectionTimeoutMs?: number;
  /** Time to wait for a broker's answer, ms. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * kafkajs' retry policy for a failed request: `retries` attempts (default 5), first delay
   * `initialRetryTimeMs` (default 300), doubling with jitter up to `maxRetryTimeMs` (default
   * 30000). Past it the request fails with a retriable {@link KafkaError}.
   */
  retry?: { retries?: number; initialRetryTimeMs?: number; maxRetryTimeMs?: number };
  /** TLS: `true` or Node's TLS options. Default off. */
  ssl?: boolean | ConnectionOptions;
  /** SASL authentication (kafkajs' `SASLOptions`: plain, scram-sha-256/512, aws, oauthbearer). Default none. */
  sasl?: SASLOptions;
}

/** The option names of {@link KafkaConnectionOptions}, for strict option checking. @internal */
export const connectionKeys = [
  "brokers",
  "clientId",
  "connectionTimeoutMs",
  "requestTimeoutMs",
  "retry",
  "ssl",
  "sasl",
] as const;

/**
 * Validates the connection options of a connector.
 * @param path - where the options came from, for messages (e.g. `"kafkaSource(options)"`).
 * @throws ConfigError naming the option when `brokers` is missing or empty or a number is invalid.
 * @internal
 */
export function checkConnection(path: string, o: KafkaConnectionOptions): void {
  if (
    !Array.isArray(o.brokers) ||
    o.brokers.length === 0 ||
    !o.brokers.every((b) => typeof b === "string" && b !== "")
  ) {
    throw new ConfigError(
      `${path}.brokers must be a non-empty array of "host:port" strings, got ${JSON.stringify(o.brokers)}`,
      {
        option: `${path}.brokers`,
      },
    );
  }
  for (const k of ["connectionTimeoutMs", "requestTimeoutMs"] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) {
      throw new ConfigError(`${path}.${k} must be a positive number of ms, got ${String(v)}`, {
        option: `${path}.${k}`,
      });
    }
  }
}

const LEVEL_NAMES: Record<number, keyof Logger> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * Creates the kafkajs client of a connector. kafkajs' log lines go to Mass's `logger` (debug for
 * kafkajs' info, so a normal run stays quiet); without one they are dropped.
 * @internal
 */
export function createKafka(o: KafkaConnectionOptions, logger?: Logger): Kafka {
  const retry = o.retry ?? {};
  const config: KafkaConfig = {
    clientId: o.clientId ?? "mass",
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeoutMs ?? 3_000,
    requestTimeout: o.requestTimeoutMs ?? 30_000,
    retry: {
      retries: retry.retries ?? 5,
      initialRetryTime: retry.initialRetryTimeMs ?? 300,
      maxRetryTime: retry.maxRetryTimeMs ?? 30_000,
    },
    logLevel: logger === undefined ? logLevel.NOTHING : logLevel.INFO,
    logCreator:
      logger === undefined
        ? () => () => {}
        : () =>
            ({ level, log }) => {
              const { message, ...extra } = log;
              const method = level === logLevel.INFO ? "debug" : (LEVEL_NAMES[level] ?? "debug");
              logger[method]({ kafka: extra }, `kafkajs: ${message}`);
            },
  };
  if (o.ssl !== undefined) config.ssl = o.ssl;
  if (o.sasl !== undefined) config.sasl = o.sasl;
  return new Kafka(config);
}
