/**
 * Binary min-heap ordered by a numeric priority. Used for timers (session window ends).
 * @internal
 */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Smallest priority, or `+Infinity` when empty. */
  peekKey(): number {
    return this.keys.length === 0 ? Number.POSITIVE_INFINITY : this.keys[0];
  }

  push(key: number, item: T): void {
    const k = this.keys;
    const it = this.items;
    let i = k.length;
    k.push(key);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      it[i] = it[p];
      i = p;
    }
    k[i] = key;
    it[i] = item;
  }

  /** Removes and returns the item of smallest priority. */
  pop(): T | undefined {
    const k = this.keys;
    const it = this.items;
    if (k.length === 0) return undefined;
    const top = it[0];
    const lastK = k.pop()!;
    const lastI = it.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && k[r] < k[l] ? r : l;
        if (k[c] >= lastK) break;
        k[i] = k[c];
        it[i] = it[c];
        i = c;
      }
      k[i] = lastK;
      it[i] = lastI;
    }
    return top;
  }

  /**
   * The priorities and items in heap order (copies of the arrays, the items themselves shared).
   * {@link MinHeap.load} of the same arrays rebuilds a heap that pops in the same order, ties
   * included (checkpoints of timers).
   */
  dump(): { keys: number[]; items: T[] } {
    return { keys: this.keys.slice(), items: this.items.slice() };
  }

  /**
   * Replaces the content by arrays {@link MinHeap.dump} returned (same length, heap order).
   * @throws RangeError when the lengths differ.
   */
  load(keys: readonly number[], items: readonly T[]): void {
    if (keys.length !== items.length) throw new RangeError("MinHeap.load: keys and items differ in length");
    this.clear();
    for (let i = 0; i < keys.length; i++) {
      this.keys.push(keys[i]);
      this.items.push(items[i]);
    }
  }

  clear(): void {
    this.keys.length = 0;
    this.items.length = 0;
  }
}
