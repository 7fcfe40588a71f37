import { ConfigError } from "../../errors.js";
import { checkFunction, checkInt, checkKeys, checkNumber, checkOneOf, show } from "../../util/validate.js";
import type { OffsetStore } from "../offset-store.js";
import type { ElasticsearchConnection } from "./client.js";

/** Options of {@link elasticsearchSink} (see docs/connectors.md, "Elasticsearch"). */
export interface ElasticsearchSinkOptions<T> {
  /** The cluster: a node URL, a list of them, or an `@elastic/elasticsearch` 8 Client (yours to close). */
  node: ElasticsearchConnection;
  /** Target index, or a function of the record (e.g. a daily index). */
  index: string | ((record: T) => string);
  /**
   * Document id of a record. Give one for idempotent writes: a replay (at-least-once input)
   * overwrites the same documents instead of adding copies. Default: none (Elasticsearch
   * generates ids; a replay duplicates).
   */
  id?: (record: T) => string | number;
  /** The document to write. Default: the record itself. */
  document?: (record: T) => unknown;
  /**
   * Bulk action: `"index"` (default, create or replace) or `"create"` (fails with 409 when the
   * id exists: the conflict goes to the fault policy).
   */
  action?: "index" | "create";
  /**
   * Largest bulk request body in bytes: a batch whose NDJSON exceeds it is sent as several bulk
   * requests (all written before the batch is acknowledged). Default 5 MiB (as the client's
   * helpers.bulk). A batch never waits for another: each batch is flushed when produced.
   */
  flushBytes?: number;
  /** Attempts for a request or item answered 429 / 503 (backoff doubling from `retryDelayMs`). Default 6. */
  maxAttempts?: number;
  /** First delay in ms before a 429 / 503 retry. Default 100. */
  retryDelayMs?: number;
  /** Longest single delay in ms between retries. Default 10_000. */
  maxRetryDelayMs?: number;
  /** `refresh` of each bulk request (`true` makes the documents searchable at once, slower). Default false. */
  refresh?: boolean;
  /** Display name. Default `"elasticsearch"`. */
  name?: string;
}

/** Options of {@link elasticsearchSource} (see docs/connectors.md, "Elasticsearch"). */
export interface ElasticsearchSourceOptions {
  /** The cluster: a node URL, a list of them, or an `@elastic/elasticsearch` 8 Client (yours to close). */
  node: ElasticsearchConnection;
  /** Index (or alias, or pattern) to read. */
  index: string;
  /**
   * The cursor field: a `date` (or numeric / keyword) field whose values never decrease as
   * documents arrive; documents are read sorted by it (then by `tieBreaker`, then `_shard_doc`).
   */
  cursor: string;
  /**
   * A unique field (keyword or number) that orders documents with equal cursors. With it a
   * restart resumes exactly after the last acknowledged document; without it a restart re-reads
   * the documents whose cursor equals the last acknowledged one (never skips any).
   */
  tieBreaker?: string;
  /** An extra query the documents must match (e.g. `{ term: { type: "order" } }`). Default: all. */
  query?: Record<string, unknown>;
  /** `_source` fields to fetch. Default: all. */
  fields?: string[];
  /** `"source"` (default): records are the documents' `_source`; `"hit"`: `{ _id, _index, _source }`. */
  emit?: "source" | "hit";
  /** `true` (default): read what the point in time taken at open sees, then end; `false`: then poll every `pollIntervalMs`. */
  bounded?: boolean;
  /** Poll interval in ms of a continuous source. Default 1000. */
  pollIntervalMs?: number;
  /** Documents per search request. Default: the node's batch size. */
  pageSize?: number;
  /** Point-in-time keep-alive between pages. Default `"2m"`. */
  keepAlive?: string;
  /** Where the cursor is kept. Default: an {@link ElasticsearchOffsetStore} in index `offsetIndex` of the same cluster. */
  offsetStore?: OffsetStore;
  /** Index of the default offset store. Default `"mass-offsets"`. */
  offsetIndex?: string;
  /** Key of this source's cursor in the store. Default `elasticsearch:<index>:<cursor>[,<tieBreaker>]`. */
  offsetKey?: string;
  /** Where to start with no stored cursor: `"earliest"` (default) or `"latest"` (after the greatest cursor at open). */
  startFrom?: "earliest" | "latest";
  /** Display name. Default `"elasticsearch"`. */
  name?: string;
}

const SINK_KEYS = [
  "node",
  "index",
  "id",
  "document",
  "action",
  "flushBytes",
  "maxAttempts",
  "retryDelayMs",
  "maxRetryDelayMs",
  "refresh",
  "name",
] as const;

const SOURCE_KEYS = [
  "node",
  "index",
  "cursor",
  "tieBreaker",
  "query",
  "fields",
  "emit",
  "bounded",
  "pollIntervalMs",
  "pageSize",
  "keepAlive",
  "offsetStore",
  "offsetIndex",
  "offsetKey",
  "startFrom",
  "name",
] as const;

function checkString(path: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`${path} must be a non-empty string, got ${show(value)}`, { option: path });
  }
  return value;
}

/** Validated sink options with defaults. @internal */
export interface ResolvedEsSinkOptions<T> extends ElasticsearchSinkOptions<T> {
  action: "index" | "create";
  flushBytes: number;
  maxAttempts: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/** Validates {@link ElasticsearchSinkOptions}. @throws ConfigError naming the option. @internal */
export function resolveEsSinkOptions<T>(options: ElasticsearchSinkOptions<T>): ResolvedEsSinkOptions<T> {
  const path = "elasticsearchSink(options)";
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`${path}: options must be an object with node and index`);
  }
  checkKeys(path, options, SINK_KEYS);
  if (typeof options.index !== "function") checkString(`${path}.index`, options.index);
  if (options.id !== undefined) checkFunction(`${path}.id`, options.id);
  if (options.document !== undefined) checkFunction(`${path}.document`, options.document);
  return {
    ...options,
    action: checkOneOf(`${path}.action`, options.action ?? "index", ["index", "create"] as const),
    flushBytes: checkInt(`${path}.flushBytes`, options.flushBytes ?? 5 * 1024 * 1024, 1),
    maxAttempts: checkInt(`${path}.maxAttempts`, options.maxAttempts ?? 6, 1),
    retryDelayMs: checkNumber(`${path}.retryDelayMs`, options.retryDelayMs ?? 100, 0),
    maxRetryDelayMs: checkNumber(`${path}.maxRetryDelayMs`, options.maxRetryDelayMs ?? 10_000, 0),
  };
}

/** Validated source options with defaults. @internal */
export interface ResolvedEsSourceOptions extends ElasticsearchSourceOptions {
  emit: "source" | "hit";
  bounded: boolean;
  pollIntervalMs: number;
  keepAlive: string;
  startFrom: "earliest" | "latest";
}

/** Validates {@link ElasticsearchSourceOptions}. @throws ConfigError naming the option. @internal */
export function resolveEsSourceOptions(options: ElasticsearchSourceOptions): ResolvedEsSourceOptions {
  const path = "elasticsearchSource(options)";
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`${path}: options must be an object with node, index and cursor`);
  }
  checkKeys(path, options, SOURCE_KEYS);
  checkString(`${path}.index`, options.index);
  if (options.cursor === undefined) {
    throw new ConfigError(
      `${path}.cursor is required: the field documents are read in order of (e.g. "@timestamp")`,
      {
        option: `${path}.cursor`,
      },
    );
  }
  checkString(`${path}.cursor`, options.cursor);
  if (options.tieBreaker !== undefined) checkString(`${path}.tieBreaker`, options.tieBreaker);
  if (options.bounded !== undefined && typeof options.bounded !== "boolean") {
    throw new ConfigError(`${path}.bounded must be a boolean, got ${show(options.bounded)}`, {
      option: `${path}.bounded`,
    });
  }
  if (options.pageSize !== undefined) checkInt(`${path}.pageSize`, options.pageSize, 1, 10_000);
  if (options.offsetStore !== undefined) {
    checkFunction(`${path}.offsetStore.load`, options.offsetStore?.load);
    checkFunction(`${path}.offsetStore.save`, options.offsetStore?.save);
  }
  if (options.offsetIndex !== undefined) checkString(`${path}.offsetIndex`, options.offsetIndex);
  if (options.offsetKey !== undefined) checkString(`${path}.offsetKey`, options.offsetKey);
  return {
    ...options,
    emit: checkOneOf(`${path}.emit`, options.emit ?? "source", ["source", "hit"] as const),
    bounded: options.bounded ?? true,
    pollIntervalMs: checkNumber(`${path}.pollIntervalMs`, options.pollIntervalMs ?? 1000, 1),
    keepAlive: options.keepAlive === undefined ? "2m" : checkString(`${path}.keepAlive`, options.keepAlive),
    startFrom: checkOneOf(`${path}.startFrom`, options.startFrom ?? "earliest", [
      "earliest",
      "latest",
    ] as const),
  };
}
