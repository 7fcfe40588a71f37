/**
 * A deterministic 32-bit hash of a key, for partitioning (`shard`): equal keys (SameValueZero
 * for numbers and strings; `String(key)` for everything else) always hash the same, in every
 * process. Integers go through a multiplicative mix (murmur3's finaliser), strings through
 * FNV-1a.
 * @internal
 */
export function hashKey(key: unknown): number {
  if (typeof key === "number") {
    if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) return mix(key | 0);
    return hashString(Object.is(key, -0) ? "0" : String(key));
  }
  return hashString(typeof key === "string" ? key : String(key));
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}
