/**
 * Where incremental sources keep their cursor between runs (see docs/connectors.md,
 * "Incremental cursors"). A source saves its cursor only through `ack(position)`, i.e. once
 * every record up to it was written by every sink it reaches: a restarted job resumes after
 * the last acknowledged record (at-least-once across restarts, as Kafka's committed offsets).
 *
 * The value is an opaque string the source encodes and decodes itself; a store only keeps the
 * latest value per key. Implement this interface to keep cursors elsewhere (a file, Redis, the
 * scheduler's task store); `mysqlSource` defaults to a table in its own database and
 * `elasticsearchSource` to an index in its own cluster.
 */
export interface OffsetStore {
  /** The value saved last under `key`, or `undefined` if none. */
  load(key: string): Promise<string | undefined>;
  /** Saves `value` under `key`, replacing the previous one. Resolve once it is durable. */
  save(key: string, value: string): Promise<void>;
  /** Releases what the store holds (optional). Called by the source that created the store. */
  close?(): Promise<void>;
}

/**
 * An {@link OffsetStore} in process memory: survives a re-run of a job in the same process,
 * not a restart. For tests and for sources that must always start from scratch.
 */
export class MemoryOffsetStore implements OffsetStore {
  /** The saved values by key (inspect it in tests). */
  readonly values = new Map<string, string>();
  /** Every save in order, as `[key, value]` (inspect it in tests). */
  readonly history: [string, string][] = [];

  async load(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async save(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.history.push([key, value]);
  }
}

/** Builds a {@link MemoryOffsetStore}. */
export function memoryOffsetStore(): MemoryOffsetStore {
  return new MemoryOffsetStore();
}
