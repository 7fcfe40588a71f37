/** What the queue orders: priority (higher first), then arrival (`seq`, lower first). @internal */
export interface Queued {
  readonly priority: number;
  readonly seq: number;
}

/**
 * The run queue: a binary heap by (priority desc, seq asc), FIFO within a priority.
 * @internal
 */
export class RunQueue<T extends Queued> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  push(x: T): void {
    const h = this.heap;
    let i = h.length;
    h.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(x, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = x;
  }

  pop(): T | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r], h[l]) ? r : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Removes every entry matching `pred`; returns them. */
  removeWhere(pred: (x: T) => boolean): T[] {
    const keep = this.heap.filter((x) => !pred(x));
    const removed = this.heap.filter(pred);
    this.heap.length = 0;
    for (const x of keep) this.push(x);
    return removed;
  }

  /** Every entry (any order). */
  values(): readonly T[] {
    return this.heap;
  }
}

function before(a: Queued, b: Queued): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}
