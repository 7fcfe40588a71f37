/**
 * The mesh's real parts: Mass's MySQL, Kafka and Elasticsearch connectors, configured for the
 * example's table, topics and index. Each pipeline copy gets its own position: its own Kafka
 * consumer group (`<jobId>-<copy>`) and its own MySQL offset key (`<jobId>-<copy>:mysql:<table>`),
 * so the split mesh's copies commit independently and a restart resumes each where it left off.
 * A new `jobId` starts from scratch; the same one resumes.
 */
import { elasticsearchSink } from "../../src/connectors/elasticsearch/index.js";
import { kafkaSink, kafkaSource } from "../../src/connectors/kafka/index.js";
import { type MysqlConnection, mysqlSource } from "../../src/connectors/mysql/index.js";
import type { Sink } from "../../src/index.js";
import type { EnrichedOrder, OrderEvent, OrderRow } from "./orders.js";
import type { MeshParts } from "./parts.js";
import { type SinkMeter, throttle } from "./throttle.js";

/** Where the mesh reads and writes. */
export interface MeshConfig {
  /** MariaDB / MySQL (mysql2 pool options or a URI). */
  mysql: MysqlConnection;
  /** The order table (see io.ts `seedMysql`). */
  table: string;
  /** Kafka bootstrap servers. */
  brokers: string[];
  /** Input topic (JSON {@link OrderEvent}s). */
  inputTopic: string;
  /** Output topic: {@link EnrichedOrder}s as JSON, keyed by `id`. */
  outputTopic: string;
  /**
   * The job's identity: pipeline copy `copy` uses consumer group `<jobId>-<copy>` and MySQL offset
   * key `<jobId>-<copy>:mysql:<table>` (in the default offset table `mass_offsets`).
   */
  jobId: string;
  /** Elasticsearch node URL. */
  elasticsearch: string;
  /** Output index: {@link EnrichedOrder}s with `id` as document id (a replay overwrites). */
  index: string;
  /** Delay in ms before each Elasticsearch bulk (the slow Elasticsearch). Default 0. */
  esDelayMs?: number;
  /** Measures the Kafka sink(s) when given. */
  kafkaMeter?: SinkMeter;
  /** Measures the Elasticsearch sink(s) when given. */
  esMeter?: SinkMeter;
}

/** The MySQL offset key of pipeline copy `copy` (see {@link MeshConfig.jobId}). */
export function mysqlOffsetKey(cfg: Pick<MeshConfig, "jobId" | "table">, copy: string): string {
  return `${cfg.jobId}-${copy}:mysql:${cfg.table}`;
}

/** The connectors of {@link MeshConfig} as {@link MeshParts}. */
export function connectorParts(cfg: MeshConfig): MeshParts {
  return {
    mysqlSource: (copy) =>
      mysqlSource<OrderRow>({
        connection: cfg.mysql,
        table: cfg.table,
        cursor: "id",
        offsetKey: mysqlOffsetKey(cfg, copy),
        name: `mysql:${copy}`,
      }),
    kafkaSource: (copy) =>
      kafkaSource<OrderEvent>({
        brokers: cfg.brokers,
        groupId: `${cfg.jobId}-${copy}`,
        topics: cfg.inputTopic,
        startFrom: "earliest",
        bounded: true,
        maxWaitTimeMs: 100,
        name: `kafka:${copy}`,
      }),
    kafkaSink: () => {
      let sink: Sink<EnrichedOrder> = kafkaSink<EnrichedOrder>({
        brokers: cfg.brokers,
        topic: cfg.outputTopic,
        key: (r) => r.id,
      });
      if (cfg.kafkaMeter !== undefined) sink = cfg.kafkaMeter.attach(sink);
      return sink;
    },
    elasticsearchSink: () => {
      let sink: Sink<EnrichedOrder> = elasticsearchSink<EnrichedOrder>({
        node: cfg.elasticsearch,
        index: cfg.index,
        id: (r) => r.id,
      });
      if ((cfg.esDelayMs ?? 0) > 0) sink = throttle(sink, { delayMs: cfg.esDelayMs ?? 0 });
      if (cfg.esMeter !== undefined) sink = cfg.esMeter.attach(sink);
      return sink;
    },
  };
}
