import { Calculator, Sink, Source } from "../../../src/index.js";

/**
 * A source over an array with a checkpointable position (the index of the next record), as
 * the file and generator sources do. `gate(pos)` may hold a batch (a Promise) to pace it.
 */
export class PositionedSource<T> extends Source<T> {
  pos = 0;
  restoredFrom: number | undefined;
  readonly completed: { id: number; position: unknown }[] = [];
  gate: ((pos: number) => Promise<void> | undefined) | null = null;
  constructor(
    readonly records: readonly T[],
    readonly chunk = Number.POSITIVE_INFINITY,
  ) {
    super();
  }
  consume(size: number): T[] | null | Promise<T[] | null> {
    if (this.pos >= this.records.length) return null;
    const g = this.gate?.(this.pos);
    const take = () => {
      const n = Math.min(size, this.chunk);
      const out = this.records.slice(this.pos, this.pos + n);
      this.pos += out.length;
      return out;
    };
    return g === undefined ? take() : g.then(take);
  }
  override snapshotPosition(): number {
    return this.pos;
  }
  override restorePosition(position: unknown): void {
    this.pos = position as number;
    this.restoredFrom = this.pos;
  }
  override checkpointComplete(id: number, position: unknown): void {
    this.completed.push({ id, position });
  }
}

/** A Calculator that keeps every record it saw (its checkpointed state) and passes them on. */
export class Recorder<T> extends Calculator<T, T> {
  seen: T[] = [];
  restored: T[] | undefined;
  calc(x: T): T {
    this.seen.push(x);
    return x;
  }
  snapshotState(): T[] {
    return this.seen.slice();
  }
  restoreState(s: unknown): void {
    this.seen = (s as T[]).slice();
    this.restored = this.seen.slice();
  }
}

/** Event of the windowed tests: key, event time (ms), value. */
export interface Ev {
  readonly k: string;
  readonly t: number;
  readonly v: number;
}

/**
 * Keyed tumbling-window sum in a Calculator (its open windows are its checkpointed state): a
 * window [start, start + size) of a key is emitted when a record of a later window of that key
 * arrives, or at the end of the input. Stands in for the window node in end-to-end tests
 * until every runtime node snapshots.
 */
export class KeyedTumblingSum extends Calculator<Ev, { k: string; start: number; sum: number; n: number }> {
  open_ = new Map<string, { start: number; sum: number; n: number }>();
  constructor(readonly size: number) {
    super();
  }
  calc(e: Ev) {
    const start = Math.floor(e.t / this.size) * this.size;
    const w = this.open_.get(e.k);
    let out: { k: string; start: number; sum: number; n: number } | undefined;
    if (w !== undefined && w.start !== start) {
      out = { k: e.k, ...w };
      this.open_.delete(e.k);
    }
    const cur = this.open_.get(e.k) ?? { start, sum: 0, n: 0 };
    cur.sum += e.v;
    cur.n++;
    this.open_.set(e.k, cur);
    return out;
  }
  override done() {
    return [...this.open_].map(([k, w]) => ({ k, ...w }));
  }
  snapshotState() {
    return new Map([...this.open_].map(([k, w]) => [k, { ...w }]));
  }
  restoreState(s: unknown) {
    this.open_ = new Map(
      [...(s as Map<string, { start: number; sum: number; n: number }>)].map(([k, w]) => [k, { ...w }]),
    );
  }
}

/**
 * An array sink whose output is part of the checkpoint (its length), as a transactional sink
 * commits with the checkpoint: on restore it drops what was written after the checkpoint, so a
 * crashed-and-restored run leaves exactly the records of an uninterrupted one.
 */
export class CommittingSink<T> extends Sink<T> {
  constructor(readonly out: T[] = []) {
    super();
  }
  failAfter = Number.POSITIVE_INFINITY;
  produce(batch: T[]): void {
    if (this.out.length + batch.length > this.failAfter) throw new Error("crash (test)");
    this.out.push(...batch);
  }
  snapshotState(): number {
    return this.out.length;
  }
  restoreState(s: unknown): void {
    this.out.length = s as number;
  }
}

/** Resolves after `ms` (test pacing only; no assertion depends on time). */
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
