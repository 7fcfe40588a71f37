import { StateError } from "../errors.js";

/** Snapshot of a {@link KeyedStateStore}: entries as `[key, state]` pairs. */
export type KeyedStateSnapshot<K, S> = [K, S][];

/**
 * Keyed state: one value per key, Map-based (keys compared by SameValueZero, so use
 * primitives: strings, numbers). `snapshot()` / `restore()` give a plain structured-clonable
 * copy for checkpoints. Sizes are in keys.
 *
 * @typeParam K - key type.
 * @typeParam S - state type.
 */
export class KeyedStateStore<K, S> {
  private readonly map = new Map<K, S>();

  /** The state of `key`, or `undefined`. */
  get(key: K): S | undefined {
    return this.map.get(key);
  }
  /** Sets the state of `key`. */
  set(key: K, state: S): void {
    this.map.set(key, state);
  }
  /** The state of `key`, created by `init()` if absent. */
  getOrCreate(key: K, init: () => S): S {
    let s = this.map.get(key);
    if (s === undefined) {
      s = init();
      this.map.set(key, s);
    }
    return s;
  }
  /** Whether `key` has a state. */
  has(key: K): boolean {
    return this.map.has(key);
  }
  /** Removes `key`; returns whether it was present. */
  delete(key: K): boolean {
    return this.map.delete(key);
  }
  /** Number of keys. */
  get size(): number {
    return this.map.size;
  }
  /** Every `[key, state]`. */
  entries(): IterableIterator<[K, S]> {
    return this.map.entries();
  }
  /** Removes every key. */
  clear(): void {
    this.map.clear();
  }
  /** A structured clone of every entry (`toState` converts a state to its plain form). */
  snapshot<P = S>(toState: (s: S) => P = (s) => s as unknown as P): KeyedStateSnapshot<K, P> {
    return structuredClone([...this.map].map(([k, s]) => [k, toState(s)] as [K, P]));
  }
  /**
   * Replaces the content with a snapshot.
   * @throws StateError if `snapshot` is not an array of pairs.
   */
  restore<P = S>(
    snapshot: KeyedStateSnapshot<K, P>,
    fromState: (p: P) => S = (p) => p as unknown as S,
  ): void {
    if (!Array.isArray(snapshot))
      throw new StateError("KeyedStateStore.restore: snapshot must be an array of [key, state] pairs");
    this.map.clear();
    for (const pair of snapshot) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new StateError("KeyedStateStore.restore: snapshot must be an array of [key, state] pairs");
      }
      this.map.set(pair[0], fromState(pair[1]));
    }
  }
}
