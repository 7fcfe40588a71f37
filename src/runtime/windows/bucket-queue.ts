/**
 * The open windows of a node, sorted by start: a growable array with a moving head (windows close
 * in start order, so dropping them is popping a prefix), lookup by start through a cache of the
 * last window used and a binary search.
 *
 * Why not a Map plus an array: a long-lived Map or array that keeps being rehashed or regrown
 * leaves its old backing stores in the old generation still pointing at windows that were open
 * then; until the next full GC those stale pointers keep every such window (and all its state)
 * alive through young-generation GCs, so short-lived window state gets promoted wholesale
 * (measured on bench W2: ~130 MB promoted per 2M records, GC half the run time). Here every slot
 * a window leaves is overwritten, and a replaced backing store is cleared before it is dropped.
 * @internal
 */
export class BucketQueue<B extends { readonly start: number }> {
  private slots: (B | undefined)[] = new Array(16);
  private head = 0;
  private tail = 0;
  private last: B | undefined = undefined;

  /** Number of open windows. */
  get size(): number {
    return this.tail - this.head;
  }

  /** The window starting at `start`, if open. */
  get(start: number): B | undefined {
    const l = this.last;
    if (l !== undefined && l.start === start) return l;
    const i = this.find(start);
    if (i < this.tail && this.slots[i]!.start === start) {
      this.last = this.slots[i];
      return this.last;
    }
    return undefined;
  }

  /** Index of the first window with `start >= start` (binary search from the end's side). */
  private find(start: number): number {
    let lo = this.head;
    let hi = this.tail;
    if (hi > lo && this.slots[hi - 1]!.start < start) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a window (its start not open yet), keeping the order. */
  insert(b: B): void {
    if (this.tail === this.slots.length) this.makeRoom();
    const at = this.find(b.start);
    for (let i = this.tail; i > at; i--) this.slots[i] = this.slots[i - 1];
    this.slots[at] = b;
    this.tail++;
    this.last = b;
  }

  private makeRoom(): void {
    const n = this.tail - this.head;
    const old = this.slots;
    const next: (B | undefined)[] = n * 2 < old.length ? old : new Array(old.length * 2);
    for (let i = 0; i < n; i++) next[i] = old[this.head + i];
    if (next === old) for (let i = n; i < old.length; i++) old[i] = undefined;
    else old.fill(undefined);
    this.slots = next;
    this.head = 0;
    this.tail = n;
  }

  /** The `i`-th open window (0 = earliest start). */
  at(i: number): B {
    return this.slots[this.head + i]!;
  }

  /** Closes the `n` earliest windows. */
  dropFirst(n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.slots[this.head] === this.last) this.last = undefined;
      this.slots[this.head++] = undefined;
    }
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  /** Closes every window. */
  clear(): void {
    this.dropFirst(this.tail - this.head);
  }
}
