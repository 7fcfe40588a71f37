/**
 * One key of a keyed time-window node, shared by all the windows of that key: its key (as a
 * `Map` would keep it: `-0` as `+0`) and its state in the latest-starting open window that holds
 * one (`bucket`, or `null` when the key has no open window).
 * @internal
 */
export interface KeySlot<B> {
  readonly key: unknown;
  /** The latest-starting open window holding a state of this key, or `null`. */
  bucket: B | null;
  /** The key's state in `bucket` (`undefined` when `bucket` is `null`). */
  state: unknown;
}

/** Keys `0 .. SMALL - 1` (integers) are looked up in an array, not a Map. */
const SMALL = 1 << 16;

/**
 * The key index of a keyed time-window node: key -> {@link KeySlot}, one slot per key across all
 * of that node's windows (Flink keeps one keyed state backend per operator the same way, with
 * the window as a namespace inside the key).
 *
 * Why: with a `Map` of keys per window, every window grows its Map from empty and throws it away
 * when it fires (bench W2: 100 keys per 1 s window, 5 rehashes per window, the hottest line of
 * the fold and most of its garbage). Here the index lives as long as the node and a record finds
 * its key's state through its slot: `slot.bucket === window` is the common case (in-order input);
 * only a record for an earlier window than its key's latest one looks further (see
 * `TimeWindows`). Small non-negative integer keys take an array instead of the Map.
 *
 * Bounded: keys that have no open window any more are evicted by {@link KeyIndex.sweep}, which
 * the owner calls when the Map holds many more keys than there are open states, so a stream of
 * ever new keys (high cardinality) keeps only the keys of its open windows (amortised O(1) per
 * key); small integer keys take at most 65,536 slots.
 * @internal
 */
export class KeyIndex<B> {
  private readonly map = new Map<unknown, KeySlot<B>>();
  private small: (KeySlot<B> | undefined)[] = [];

  /** Number of keys held in the Map (not counting small integer keys, bounded by 65,536). */
  get mapped(): number {
    return this.map.size;
  }

  /** The slot of `key`, created (with no window) on first use. */
  slot(key: unknown): KeySlot<B> {
    if (typeof key === "number" && key >>> 0 === key && key < SMALL) {
      const s = this.small[key];
      if (s !== undefined) return s;
      return this.addSmall(key);
    }
    const s = this.map.get(key);
    if (s !== undefined) return s;
    return this.addMapped(key);
  }

  private addSmall(key: number): KeySlot<B> {
    // key >>> 0 === key also holds for -0: the slot keeps +0, as a Map does
    const s: KeySlot<B> = { key: key === 0 ? 0 : key, bucket: null, state: undefined };
    const small = this.small;
    // fill the gap with undefined (no holes: the array stays packed)
    for (let i = small.length; i < key; i++) small.push(undefined);
    small[key] = s;
    return s;
  }

  private addMapped(key: unknown): KeySlot<B> {
    const s: KeySlot<B> = { key, bucket: null, state: undefined };
    this.map.set(key, s);
    return s;
  }

  /**
   * Evicts every key of the Map whose slot has no open window (`bucket === null`). The slots of
   * small integer keys stay: there are at most 65,536 of them.
   */
  sweep(): void {
    for (const [key, s] of this.map) if (s.bucket === null) this.map.delete(key);
  }
}
