/**
 * The records of the mesh example and its one Calculator: orders come from two places — the
 * shop's MySQL table (the order book, read incrementally by id) and a Kafka topic (orders from
 * the app, live) — and are turned into one shape that both sinks (a Kafka topic for downstream
 * services, an Elasticsearch index for search) receive.
 */
import { Calculator } from "../../src/index.js";

/** A row of the MySQL table: the shop's order book. */
export interface OrderRow {
  /** Auto-increment primary key, the source's cursor. */
  id: number;
  customer: string;
  /** Amount in cents. */
  amount_cents: number;
  /** Creation time as a `Date` (a DATETIME column). */
  created_at: Date;
}

/** The value of a message of the input Kafka topic: an order from the app (JSON). */
export interface OrderEvent {
  orderId: string;
  customer: string;
  /** Amount in cents. */
  amountCents: number;
  /** Creation time, epoch ms. */
  ts: number;
}

/**
 * A Kafka record carrying an {@link OrderEvent}: the fields of `kafkaSource`'s `KafkaRecord`
 * that the Calculator reads (a `KafkaRecord<OrderEvent>` is one).
 */
export interface KafkaOrder {
  topic: string;
  partition: number;
  offset: string;
  value: OrderEvent;
}

/** What the Calculator emits and both sinks write. */
export interface EnrichedOrder {
  /** Unique across both inputs: `mysql-<id>` or `kafka-<orderId>`; the Kafka key and the ES document id. */
  id: string;
  origin: "mysql" | "kafka";
  /** Customer name, trimmed and lower-cased. */
  customer: string;
  amountCents: number;
  /** Amount in euros (cents / 100). */
  amount: number;
  /** `"small"` below 50 €, `"large"` from 500 €, `"medium"` between. */
  tier: "small" | "medium" | "large";
  /** Creation time, epoch ms. */
  ts: number;
}

/** The order tier of an amount in cents (see {@link EnrichedOrder.tier}). */
export function tierOf(amountCents: number): EnrichedOrder["tier"] {
  if (amountCents < 5_000) return "small";
  if (amountCents >= 50_000) return "large";
  return "medium";
}

/** A MySQL row as an {@link EnrichedOrder}. */
export function enrichRow(row: OrderRow): EnrichedOrder {
  return {
    id: `mysql-${row.id}`,
    origin: "mysql",
    customer: row.customer.trim().toLowerCase(),
    amountCents: row.amount_cents,
    amount: row.amount_cents / 100,
    tier: tierOf(row.amount_cents),
    ts: row.created_at.getTime(),
  };
}

/** A Kafka order event as an {@link EnrichedOrder}. */
export function enrichEvent(e: OrderEvent): EnrichedOrder {
  return {
    id: `kafka-${e.orderId}`,
    origin: "kafka",
    customer: e.customer.trim().toLowerCase(),
    amountCents: e.amountCents,
    amount: e.amountCents / 100,
    tier: tierOf(e.amountCents),
    ts: e.ts,
  };
}

function isKafkaOrder(elem: OrderRow | KafkaOrder): elem is KafkaOrder {
  return "topic" in elem && "value" in elem;
}

/**
 * The mesh's Calculator: one instance fed by both sources (a fan-in node). Each record, whichever
 * source it comes from, becomes one {@link EnrichedOrder}; it counts what it saw per origin.
 */
export class EnrichOrders extends Calculator<OrderRow | KafkaOrder, EnrichedOrder> {
  override name = "EnrichOrders";
  /** Records seen from MySQL. */
  mysqlRecords = 0;
  /** Records seen from Kafka. */
  kafkaRecords = 0;

  calc(elem: OrderRow | KafkaOrder): EnrichedOrder {
    if (isKafkaOrder(elem)) {
      this.kafkaRecords++;
      return enrichEvent(elem.value);
    }
    this.mysqlRecords++;
    return enrichRow(elem);
  }
}
