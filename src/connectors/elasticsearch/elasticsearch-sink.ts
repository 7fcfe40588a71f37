import type { OperatorContext } from "../../operators/context.js";
import { Sink } from "../../operators/sink.js";
import { sleep } from "../../util/sleep.js";
import { closeEsClient, type EsClient, openEsClient, probe } from "./client.js";
import { ElasticsearchError, isConnectionError, statusOf, wrapEsError } from "./errors.js";
import {
  type ElasticsearchSinkOptions,
  type ResolvedEsSinkOptions,
  resolveEsSinkOptions,
} from "./options.js";

interface BulkItemResult {
  _index?: string;
  _id?: string;
  status: number;
  error?: { type?: string; reason?: string };
}

/** One record's two NDJSON lines and what messages need. */
interface Item {
  record: number;
  lines: string;
  bytes: number;
  index: string;
  id: string | undefined;
}

/**
 * Writes records to Elasticsearch with the bulk API (see docs/connectors.md, "Elasticsearch").
 *
 * - Each Mass batch is written before `produce` resolves, as one bulk request or several when
 *   its NDJSON exceeds `flushBytes`; the batch is acknowledged once every document is written or
 *   handed to the fault policy (at-least-once; with an `id` function a replay overwrites the
 *   same documents: effectively once).
 * - A request answered 429 (too many requests) or 503 is sent again, and so are the items of a
 *   bulk answered 429, with backoff doubling from `retryDelayMs` up to `maxAttempts` attempts
 *   (as the client's helpers.bulk retries 429 items).
 * - A document refused for itself (400 mapping / parsing errors, 409 version conflicts of
 *   `action: "create"`) goes to the node's fault policy through `Sink.reject` with an
 *   {@link ElasticsearchError} carrying the index, id, status, and Elasticsearch's error type and
 *   reason; the rest of the batch is written.
 * - A cluster that cannot be reached fails `open` with a retriable ElasticsearchError naming
 *   the node and what to check.
 *
 * @typeParam T - record type.
 */
export class ElasticsearchSink<T> extends Sink<T> {
  override name = "elasticsearch";
  private readonly options: ResolvedEsSinkOptions<T>;
  private es: EsClient | undefined;
  private signal: AbortSignal | undefined;
  /** Action line for a constant index without id: built once. */
  private readonly prefix: string | undefined;

  /** @throws ConfigError when an option is wrong (see {@link ElasticsearchSinkOptions}). */
  constructor(options: ElasticsearchSinkOptions<T>) {
    super();
    this.options = resolveEsSinkOptions(options);
    if (this.options.name !== undefined) this.name = this.options.name;
    if (typeof this.options.index === "string") {
      this.prefix = `{"${this.options.action}":{"_index":${JSON.stringify(this.options.index)}`;
    }
  }

  override async open(ctx?: OperatorContext): Promise<void> {
    this.signal = ctx?.signal;
    this.es = openEsClient("elasticsearchSink(options)", this.options.node);
    await probe(this.es, this.signal);
  }

  private items(elems: T[]): Item[] {
    const o = this.options;
    const out = new Array<Item>(elems.length);
    for (let i = 0; i < elems.length; i++) {
      const r = elems[i];
      const index = typeof o.index === "string" ? o.index : o.index(r);
      const rawId = o.id?.(r);
      const id = rawId === undefined ? undefined : String(rawId);
      const head = this.prefix ?? `{"${o.action}":{"_index":${JSON.stringify(index)}`;
      const action = id === undefined ? `${head}}}` : `${head},"_id":${JSON.stringify(id)}}}`;
      const doc = JSON.stringify(o.document === undefined ? r : o.document(r));
      const lines = `${action}\n${doc}\n`;
      out[i] = { record: i, lines, bytes: Buffer.byteLength(lines), index, id };
    }
    return out;
  }

  async produce(elems: T[]): Promise<void> {
    if (elems.length === 0) return;
    const items = this.items(elems);
    const refused: [Item, ElasticsearchError][] = [];
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      while (end < items.length && (end === start || bytes + items[end].bytes <= this.options.flushBytes)) {
        bytes += items[end++].bytes;
      }
      await this.send(items.slice(start, end), refused);
      start = end;
    }
    for (const [item, err] of refused) await this.reject(elems[item.record], err);
  }

  /** Sends one bulk request, retrying it on 429/503 and its 429 items; collects refused items. */
  private async send(items: Item[], refused: [Item, ElasticsearchError][]): Promise<void> {
    const o = this.options;
    const es = this.es!;
    let pending = items;
    for (let attempt = 1; ; attempt++) {
      let res: { errors: boolean; items: Record<string, BulkItemResult>[] };
      try {
        res = (await es.client.bulk(
          {
            operations: pending.map((it) => it.lines).join("") as unknown as [],
            refresh: o.refresh ?? false,
          },
          { signal: this.signal },
        )) as unknown as typeof res;
      } catch (err) {
        const status = statusOf(err);
        if ((status === 429 || status === 503) && attempt < o.maxAttempts) {
          await this.backoff(attempt);
          continue;
        }
        throw wrapEsError(
          `bulk request of ${pending.length} documents failed after ${attempt} attempt(s)`,
          err,
          {
            node: es.node,
            ...(typeof o.index === "string" ? { index: o.index } : {}),
            retriable: isConnectionError(err) || status === 429 || status === 503,
          },
        );
      }
      if (!res.errors) return;
      const again: Item[] = [];
      for (let k = 0; k < pending.length; k++) {
        const r = res.items[k][o.action];
        if (r === undefined || r.status < 300) continue;
        if ((r.status === 429 || r.status === 503) && attempt < o.maxAttempts) again.push(pending[k]);
        else refused.push([pending[k], this.itemError(pending[k], r)]);
      }
      if (again.length === 0) return;
      pending = again;
      await this.backoff(attempt);
    }
  }

  private itemError(item: Item, r: BulkItemResult): ElasticsearchError {
    const type = r.error?.type;
    const reason = r.error?.reason;
    const id = item.id;
    return new ElasticsearchError(
      `elasticsearch: document ${id === undefined ? "(no id)" : `"${id}"`} refused by index "${item.index}": ${r.status} ${type ?? ""}: ${reason ?? ""}`,
      {
        index: item.index,
        ...(id === undefined ? {} : { id }),
        status: r.status,
        ...(type === undefined ? {} : { type }),
        ...(reason === undefined ? {} : { reason }),
        retriable: r.status === 429 || r.status === 503,
      },
    );
  }

  private backoff(attempt: number): Promise<void> {
    const o = this.options;
    return sleep(Math.min(o.maxRetryDelayMs, o.retryDelayMs * 2 ** (attempt - 1)), this.signal);
  }

  override async cleanup(): Promise<void> {
    const es = this.es;
    this.es = undefined;
    await closeEsClient(es);
  }
}

/** Builds an {@link ElasticsearchSink}. @throws ConfigError when an option is wrong. */
export function elasticsearchSink<T = Record<string, unknown>>(
  options: ElasticsearchSinkOptions<T>,
): ElasticsearchSink<T> {
  return new ElasticsearchSink<T>(options);
}
