import type { OffsetStore } from "../offset-store.js";
import { closeEsClient, type ElasticsearchConnection, type EsClient, openEsClient } from "./client.js";
import { ElasticsearchError, statusOf, wrapEsError } from "./errors.js";

/** Options of {@link elasticsearchOffsetStore}. */
export interface ElasticsearchOffsetStoreOptions {
  /** Index holding the cursors (created on first save). Default `"mass-offsets"`. */
  index?: string;
}

/**
 * An {@link OffsetStore} in an Elasticsearch index: one document per key (`_id` = key,
 * `{ value, updatedAt }`), read with a real-time GET and written with `refresh: false`
 * (a GET sees it at once). `elasticsearchSource` uses one on its own cluster by default.
 */
export class ElasticsearchOffsetStore implements OffsetStore {
  private readonly index: string;
  private es: EsClient | undefined;

  constructor(
    private readonly connection: ElasticsearchConnection,
    options: ElasticsearchOffsetStoreOptions = {},
  ) {
    this.index = options.index ?? "mass-offsets";
  }

  private client(): EsClient {
    this.es ??= openEsClient("elasticsearchOffsetStore", this.connection);
    return this.es;
  }

  /**
   * The value last saved under `key`, or `undefined` when none was (no document, or no index).
   * @throws ElasticsearchError when the read fails, or when the document exists but holds no
   *   string `value` in its `_source` (a document Mass did not write, or an index mapped with
   *   `_source` disabled): reading it as "no offset" would restart the source from its start.
   */
  async load(key: string): Promise<string | undefined> {
    const es = this.client();
    let doc: { _source?: { value?: unknown } };
    try {
      doc = await es.client.get<{ value?: unknown }>({ index: this.index, id: key });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrapEsError(`cannot read offset "${key}" from index "${this.index}"`, err, {
        node: es.node,
        index: this.index,
      });
    }
    const value = doc._source?.value;
    if (typeof value !== "string") {
      throw new ElasticsearchError(
        `elasticsearch: the offset document "${key}" in index "${this.index}" on ${es.node} has no string _source.value (${doc._source === undefined ? "no _source: is _source disabled in the index mapping?" : `got ${typeof value}`}); it was not written by elasticsearchOffsetStore: give the store an index of its own (option index)`,
        { index: this.index, id: key },
      );
    }
    return value;
  }

  async save(key: string, value: string): Promise<void> {
    const es = this.client();
    try {
      await es.client.index({ index: this.index, id: key, document: { value, updatedAt: Date.now() } });
    } catch (err) {
      throw wrapEsError(`cannot save offset "${key}" to index "${this.index}"`, err, {
        node: es.node,
        index: this.index,
      });
    }
  }

  async close(): Promise<void> {
    await closeEsClient(this.es);
  }
}

/**
 * Builds an {@link ElasticsearchOffsetStore}.
 * @param connection - a node URL, a list of them, or a Client (not closed by the store).
 */
export function elasticsearchOffsetStore(
  connection: ElasticsearchConnection,
  options: ElasticsearchOffsetStoreOptions = {},
): ElasticsearchOffsetStore {
  return new ElasticsearchOffsetStore(connection, options);
}
