import type { OperatorContext } from "../../operators/context.js";
import { Source } from "../../operators/source.js";
import { checkPosition, isCount } from "../../operators/source-position.js";
import { CursorAcks } from "../cursor-acks.js";
import type { OffsetStore } from "../offset-store.js";
import { closeEsClient, type EsClient, openEsClient, probe } from "./client.js";
import { ElasticsearchError, statusOf, wrapEsError } from "./errors.js";
import { ElasticsearchOffsetStore } from "./offset-store.js";
import {
  type ElasticsearchSourceOptions,
  type ResolvedEsSourceOptions,
  resolveEsSourceOptions,
} from "./options.js";

/** Sort values of the cursor field (and tie-breaker) of a document, as Elasticsearch returns them. */
type EsCursor = (string | number | boolean | null)[];

/** A stored cursor: its values, and whether documents equal to it must be read again. */
interface Stored {
  v: EsCursor;
  /** Without a tie-breaker, a resume re-reads the documents whose cursor equals `v[0]`. */
  inclusive: boolean;
  /**
   * Documents with cursor `v` to skip (an inclusive start after a checkpoint without a
   * tieBreaker: those already handed out).
   */
  skip?: number;
}

/**
 * An {@link ElasticsearchSource}'s checkpoint position: the sort values of the last document
 * handed out (`[cursor]` or `[cursor, tieBreaker]`), and without a tieBreaker how many documents
 * with that cursor value were handed out (`ties`). `null`: nothing read, from the start.
 */
export interface ElasticsearchPosition {
  readonly v: (string | number | boolean | null)[];
  readonly ties: number;
}

interface Hit {
  _id: string;
  _index: string;
  _source?: unknown;
  sort: EsCursor;
}

/** A hit when `emit: "hit"`. */
export interface ElasticsearchHit<S = Record<string, unknown>> {
  _id: string;
  _index: string;
  _source: S;
}

/**
 * Reads an index **incrementally by a cursor field** (a timestamp, as the original Mass read
 * Elasticsearch; see docs/connectors.md, "Elasticsearch"):
 *
 * - documents come sorted by the cursor (then `tieBreaker`, then `_shard_doc`) through a
 *   point in time and `search_after`, one page per `consume` (no scroll context, no deep
 *   `from`); a page is fetched only when Mass asks for one (backpressure);
 * - bounded (default): what the point in time opened at `open` sees, then the end; continuous
 *   (`bounded: false`): then every `pollIntervalMs` a new point in time for documents past the
 *   last one read;
 * - the cursor is saved in the offset store only through `ack(position)`: a restarted job
 *   resumes after the last acknowledged document (at-least-once across restarts: with a
 *   `tieBreaker` exactly after it, without one from its cursor value, re-reading its equals).
 *
 * A cluster that cannot be reached fails `open` with a retriable {@link ElasticsearchError}
 * naming the node; a missing index or a cursor field absent from the mapping fails `open`
 * naming it.
 *
 * @typeParam T - record type: the `_source` (default) or an {@link ElasticsearchHit}.
 */
export class ElasticsearchSource<T = Record<string, unknown>> extends Source<T> {
  override name = "elasticsearch";
  private readonly options: ResolvedEsSourceOptions;
  private readonly key: string;
  private readonly sort: Record<string, "asc">[];
  private es: EsClient | undefined;
  private store: OffsetStore | undefined;
  private ownStore = false;
  private acks: CursorAcks<EsCursor> | undefined;
  private signal: AbortSignal | undefined;
  private pageSize = 1024;

  /** Lower bound of the next scan. */
  private from: Stored | undefined;
  private pit: string | undefined;
  private searchAfter: EsCursor | undefined;
  private nextPollAt = 0;
  private finished = false;
  /** The last document handed out (sort values) and, without a tieBreaker, how many share its cursor. */
  private last: ElasticsearchPosition | undefined;
  /** Documents of cursor `from.v` still to skip (after a restore without a tieBreaker). */
  private skipTies = 0;

  /** @throws ConfigError when an option is wrong (see {@link ElasticsearchSourceOptions}). */
  constructor(options: ElasticsearchSourceOptions) {
    super();
    this.options = resolveEsSourceOptions(options);
    const o = this.options;
    if (o.name !== undefined) this.name = o.name;
    const cols = o.tieBreaker === undefined ? [o.cursor] : [o.cursor, o.tieBreaker];
    this.key = o.offsetKey ?? `elasticsearch:${o.index}:${cols.join(",")}`;
    this.sort = [...cols.map((c) => ({ [c]: "asc" as const })), { _shard_doc: "asc" as const }];
  }

  /** The key of this source's cursor in its offset store. */
  get offsetKey(): string {
    return this.key;
  }

  /** Position (documents handed out) up to which the cursor was saved. */
  get ackedPosition(): number {
    return this.acks?.acked ?? 0;
  }

  override async open(ctx?: OperatorContext): Promise<void> {
    const o = this.options;
    this.signal = ctx?.signal;
    // a search returns at most index.max_result_window (10,000) hits
    this.pageSize = Math.min(10_000, o.pageSize ?? ctx?.batchSize ?? 1024);
    this.es = openEsClient("elasticsearchSource(options)", o.node);
    await probe(this.es, this.signal);
    await this.checkMapping();
    if (o.offsetStore === undefined) {
      this.store = new ElasticsearchOffsetStore(this.es.client, { index: o.offsetIndex ?? "mass-offsets" });
      this.ownStore = true;
    } else this.store = o.offsetStore;
    this.acks = new CursorAcks(this.store, this.key, (c) => JSON.stringify({ v: c }), "elasticsearch");
    const stored = await this.store.load(this.key);
    if (stored !== undefined) {
      const v = (JSON.parse(stored) as { v: EsCursor }).v;
      this.from = { v, inclusive: o.tieBreaker === undefined };
    } else if (o.startFrom === "latest") {
      const last = await this.search({
        size: 1,
        sort: this.sort.slice(0, -1).map(desc),
        query: this.query(),
      });
      if (last.length > 0) this.from = { v: cursorOf(last[0], this.sort.length - 1), inclusive: false };
    }
    // bounded: the snapshot is the point in time taken now
    if (o.bounded) await this.openPit();
  }

  /** Fails when the index is missing or the cursor fields are not mapped in it. */
  private async checkMapping(): Promise<void> {
    const o = this.options;
    const fields = o.tieBreaker === undefined ? [o.cursor] : [o.cursor, o.tieBreaker];
    let caps: { fields: Record<string, unknown> };
    try {
      caps = (await this.es!.client.fieldCaps(
        { index: o.index, fields },
        { signal: this.signal },
      )) as typeof caps;
    } catch (err) {
      throw wrapEsError(`cannot read the mapping of index "${o.index}"`, err, {
        node: this.es!.node,
        index: o.index,
        retriable: statusOf(err) !== 404,
      });
    }
    for (const f of fields) {
      if (caps.fields[f] === undefined) {
        throw new ElasticsearchError(
          `elasticsearch: the cursor field "${f}" is not mapped in index "${o.index}" on ${this.es!.node}: documents cannot be sorted by it; map it (date, numeric or keyword) or choose another cursor`,
          { index: o.index, retriable: false },
        );
      }
    }
  }

  private query(): Record<string, unknown> {
    const o = this.options;
    const filter: Record<string, unknown>[] = [];
    if (o.query !== undefined) filter.push(o.query);
    const f = this.from;
    if (f !== undefined) {
      const c = o.cursor;
      if (o.tieBreaker === undefined)
        filter.push({ range: { [c]: { [f.inclusive ? "gte" : "gt"]: f.v[0] } } });
      else {
        filter.push({
          bool: {
            minimum_should_match: 1,
            should: [
              { range: { [c]: { gt: f.v[0] } } },
              {
                bool: {
                  filter: [
                    { range: { [c]: { gte: f.v[0], lte: f.v[0] } } },
                    { range: { [o.tieBreaker]: { gt: f.v[1] } } },
                  ],
                },
              },
            ],
          },
        });
      }
    }
    return filter.length === 0 ? { match_all: {} } : { bool: { filter } };
  }

  private async openPit(): Promise<void> {
    try {
      const r = await this.es!.client.openPointInTime(
        { index: this.options.index, keep_alive: this.options.keepAlive },
        { signal: this.signal },
      );
      this.pit = r.id;
      this.searchAfter = undefined;
    } catch (err) {
      throw wrapEsError(`cannot open a point in time on "${this.options.index}"`, err, {
        node: this.es!.node,
        index: this.options.index,
      });
    }
  }

  private async closePit(): Promise<void> {
    const id = this.pit;
    this.pit = undefined;
    if (id !== undefined) await this.es?.client.closePointInTime({ id }).catch(() => {});
  }

  private async search(body: Record<string, unknown>): Promise<Hit[]> {
    const o = this.options;
    try {
      const r = (await this.es!.client.search(
        {
          ...(this.pit === undefined ? { index: o.index } : {}),
          ...body,
          ...(o.fields === undefined ? {} : { _source: o.fields }),
          track_total_hits: false,
        },
        { signal: this.signal },
      )) as { pit_id?: string; hits: { hits: Hit[] } };
      if (r.pit_id !== undefined && this.pit !== undefined) this.pit = r.pit_id;
      return r.hits.hits;
    } catch (err) {
      throw wrapEsError(`search on "${o.index}" failed`, err, { node: this.es!.node, index: o.index });
    }
  }

  async consume(size: number): Promise<T[] | null> {
    if (this.finished) return null;
    const o = this.options;
    if (this.pit === undefined) {
      if (Date.now() < this.nextPollAt) return [];
      await this.openPit();
    }
    const hits = await this.search({
      size: Math.min(size, this.pageSize),
      pit: { id: this.pit, keep_alive: o.keepAlive },
      sort: this.sort,
      query: this.query(),
      ...(this.searchAfter === undefined ? {} : { search_after: this.searchAfter }),
    });
    if (hits.length === 0) {
      await this.closePit();
      if (o.bounded) {
        this.finished = true;
        return null;
      }
      this.from = this.nextFrom ?? this.from;
      this.nextPollAt = Date.now() + o.pollIntervalMs;
      return [];
    }
    const last = hits[hits.length - 1];
    this.searchAfter = last.sort;
    const cursor = cursorOf(last, this.sort.length - 1);
    // the next scan (a new point in time) starts strictly after the last document read
    if (!o.bounded) this.nextFrom = { v: cursor, inclusive: false };
    const got = hits.length;
    if (this.skipTies > 0) {
      // the page was asked for `size` documents: if all were ties already read, ask again
      this.dropTies(hits);
      if (hits.length === 0) return [];
    }
    this.trackLast(hits, cursor);
    this.acks!.handOut(hits.length, cursor);
    const out = new Array<T>(hits.length);
    if (o.emit === "source") for (let i = 0; i < hits.length; i++) out[i] = hits[i]._source as T;
    else {
      for (let i = 0; i < hits.length; i++) {
        const h = hits[i];
        out[i] = { _id: h._id, _index: h._index, _source: h._source } as T;
      }
    }
    if (!o.bounded && got < Math.min(size, this.pageSize)) {
      // the last page of this scan: the next poll opens a new point in time after it
      await this.closePit();
      this.from = this.nextFrom;
      this.nextPollAt = Date.now() + o.pollIntervalMs;
    }
    return out;
  }

  private nextFrom: Stored | undefined;

  /** Drops from `hits` the documents of the restored cursor value already handed out before. */
  private dropTies(hits: Hit[]): void {
    const v = JSON.stringify(this.from!.v[0]);
    let n = 0;
    while (n < hits.length && this.skipTies > 0 && JSON.stringify(hits[n].sort[0]) === v) {
      n++;
      this.skipTies--;
    }
    if (n < hits.length) this.skipTies = 0; // a greater cursor came: none left to skip
    hits.splice(0, n);
  }

  /** Records the position after `hits` (the page handed out now). */
  private trackLast(hits: Hit[], cursor: EsCursor): void {
    if (hits.length === 0) return;
    if (this.options.tieBreaker !== undefined) {
      this.last = { v: cursor, ties: 0 };
      return;
    }
    const v = JSON.stringify(cursor[0]);
    let ties = 0;
    for (let i = hits.length - 1; i >= 0 && JSON.stringify(hits[i].sort[0]) === v; i--) ties++;
    const prev = this.last;
    // the whole page has the same cursor value as the page before: the ties add up
    if (ties === hits.length && prev !== undefined && JSON.stringify(prev.v[0]) === v) ties += prev.ties;
    this.last = { v: cursor, ties };
  }

  /**
   * Checkpoints: the sort values of the last document handed out and (without a tieBreaker) how
   * many documents with its cursor value were handed out; `null` when nothing was read in this
   * run and it started at the beginning.
   */
  override snapshotPosition(): ElasticsearchPosition | null {
    if (this.last !== undefined) return { v: [...this.last.v], ties: this.last.ties };
    const f = this.from;
    if (f === undefined) return null;
    return { v: [...f.v], ties: f.inclusive ? (f.skip ?? 0) : 0 };
  }

  /**
   * Resumes after the document at `position` (in place of the offset store's cursor or
   * `startFrom`): with a tieBreaker, strictly after `[cursor, tieBreaker]`; without one, from
   * the cursor value on, skipping the `ties` documents with that value handed out before (so
   * documents sharing a cursor value must come back in the same order: true while the index's
   * segments do not change; set a tieBreaker to be exact). `null`: from the start. Called after
   * `open`, before the first `consume`.
   * @throws StateError when `position` is not `{ v: [...], ties }` or null.
   */
  override restorePosition(position: unknown): void {
    const arity = this.options.tieBreaker === undefined ? 1 : 2;
    const p = checkPosition<ElasticsearchPosition | null>(
      this.name,
      position,
      position === null ||
        (typeof position === "object" &&
          Array.isArray((position as ElasticsearchPosition).v) &&
          (position as ElasticsearchPosition).v.length === arity &&
          isCount((position as ElasticsearchPosition).ties)),
      `{ v: [${arity === 1 ? "cursor" : "cursor, tieBreaker"}], ties } or null`,
    );
    this.last = undefined;
    this.nextFrom = undefined;
    this.searchAfter = undefined;
    if (p === null) {
      this.from = undefined;
      this.skipTies = 0;
    } else if (arity === 2) {
      this.from = { v: [...p.v], inclusive: false };
      this.skipTies = 0;
    } else {
      this.from = { v: [...p.v], inclusive: true, skip: p.ties };
      this.skipTies = p.ties;
    }
  }

  /** Saves the cursor of the last document before `position` (acknowledged in order by the runtime). */
  override ack(position: number): Promise<void> {
    return this.acks!.ack(position);
  }

  override async cleanup(err?: Error): Promise<void> {
    await this.closePit();
    // until the runtime runs cleanup after the last ack: let the final cursor save happen
    await this.acks?.drain(err === undefined);
    if (this.ownStore) await this.store?.close?.();
    await closeEsClient(this.es);
  }
}

function desc(s: Record<string, "asc">): Record<string, "desc"> {
  const [k] = Object.keys(s);
  return { [k]: "desc" };
}

/** The first `n` sort values of a hit (the cursor and tie-breaker, without `_shard_doc`). */
function cursorOf(hit: Hit, n: number): EsCursor {
  return hit.sort.slice(0, n);
}

/** Builds an {@link ElasticsearchSource}. @throws ConfigError when an option is wrong. */
export function elasticsearchSource<T = Record<string, unknown>>(
  options: ElasticsearchSourceOptions,
): ElasticsearchSource<T> {
  return new ElasticsearchSource<T>(options);
}
