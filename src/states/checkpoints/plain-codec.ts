import { deserialize, serialize } from "node:v8";

/**
 * A binary codec for the plain data of checkpoint parts, several times faster than
 * `v8.serialize` on what window and keyed state look like: many small objects of the same shape
 * (`[key, { s, n }]` per key). `v8.serialize` spends most of its time on bookkeeping this data
 * does not need (an identity map of every object, to keep shared references and cycles); this
 * codec writes each object's shape (its keys) once and then only values.
 *
 * Format: the magic bytes `0x4D 0x01` ("M", version 1), then one value:
 *
 * | tag | value |
 * |---|---|
 * | 0-3 | `undefined`, `null`, `false`, `true` |
 * | 4 | int32 (little endian) |
 * | 5 | float64 (LE; NaN, ±Infinity, -0 kept) |
 * | 6 | string: uint32 byte length, UTF-8 |
 * | 7 | array: uint32 length, its elements (holes read as `undefined`) |
 * | 8 | object of a shape seen before: uint32 shape id, the values in the shape's key order |
 * | 9 | object of a new shape: uint32 key count, each key as a string (tag 6 payload), the values |
 * | 10 | Map: uint32 size, key and value pairs |
 * | 11 | Set: uint32 size, values |
 * | 12 | bigint: its decimal digits as a string payload |
 * | 13 | Date: float64 epoch ms |
 * | 14 | anything else `v8.serialize` writes (typed arrays, ArrayBuffer, RegExp, Error...): uint32 byte length, v8 bytes |
 *
 * Objects are written as their own enumerable string-keyed properties (as `v8.serialize` does
 * for a class instance: the prototype is not kept). Values referenced twice are written twice,
 * so they come back as two equal copies (state snapshots are trees; `v8.serialize` would keep
 * one shared object); a value nested more than {@link MAX_DEPTH} levels deep (a cycle) makes
 * {@link encodePlain} return `null`, and the caller writes the part with `v8.serialize`.
 * @internal
 */

/** First byte of a part written by {@link encodePlain} (`v8.serialize` output starts with 0xFF). @internal */
export const PLAIN_MAGIC = 0x4d;
const VERSION = 1;
/** Nesting depth beyond which a value is taken for a cycle. @internal */
export const MAX_DEPTH = 512;

const T_UNDEF = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4;
const T_F64 = 5;
const T_STR = 6;
const T_ARR = 7;
const T_OBJ = 8;
const T_SHAPE = 9;
const T_MAP = 10;
const T_SET = 11;
const T_BIGINT = 12;
const T_DATE = 13;
const T_V8 = 14;

/** Thrown inside the encoder when a value is nested too deep (a cycle). */
class TooDeep extends Error {}

/** A value the codec cannot write (a function, a symbol): the message `v8.serialize` would give. */
class NotCloneable extends Error {}

class Writer {
  buf: Buffer;
  dv: DataView;
  pos = 2;
  private readonly shapes = new Map<string, number>();
  /** The keys of the last object written, and its shape id: consecutive objects share one. */
  private lastKeys: string[] = [];
  private lastShape = -1;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.buf[0] = PLAIN_MAGIC;
    this.buf[1] = VERSION;
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private u8(x: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = x;
  }

  private tagU32(tag: number, x: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    this.buf[this.pos] = tag;
    this.dv.setUint32(this.pos + 1, x, true);
    this.pos += 5;
  }

  private str(s: string): void {
    const n = s.length;
    if (this.pos + 4 + n * 3 > this.buf.length) this.grow(4 + n * 3);
    const at = this.pos + 4;
    let bytes = 0;
    if (n < 64) {
      // short strings: ASCII by hand (a C++ call costs more than the copy)
      const buf = this.buf;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      bytes = i === n ? n : this.buf.write(s, at, "utf8");
    } else bytes = this.buf.write(s, at, "utf8");
    this.dv.setUint32(this.pos, bytes, true);
    this.pos = at + bytes;
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "number": {
        if (this.pos + 9 > this.buf.length) this.grow(9);
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          this.buf[this.pos] = T_INT;
          this.dv.setInt32(this.pos + 1, v, true);
          this.pos += 5;
        } else {
          this.buf[this.pos] = T_F64;
          this.dv.setFloat64(this.pos + 1, v, true);
          this.pos += 9;
        }
        return;
      }
      case "string":
        this.u8(T_STR);
        this.str(v);
        return;
      case "boolean":
        this.u8(v ? T_TRUE : T_FALSE);
        return;
      case "undefined":
        this.u8(T_UNDEF);
        return;
      case "bigint":
        this.u8(T_BIGINT);
        this.str(v.toString());
        return;
      case "object":
        if (v === null) this.u8(T_NULL);
        else this.object(v, depth + 1);
        return;
      default:
        throw new NotCloneable(`${typeof v === "function" ? String(v) : typeof v} could not be cloned.`);
    }
  }

  private object(o: object, depth: number): void {
    if (depth > MAX_DEPTH) throw new TooDeep();
    if (Array.isArray(o)) {
      const n = o.length;
      this.tagU32(T_ARR, n);
      for (let i = 0; i < n; i++) this.value(o[i], depth);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      this.plain(o as Record<string, unknown>, depth, true);
      return;
    }
    if (o instanceof Map) {
      this.tagU32(T_MAP, o.size);
      for (const [k, x] of o) {
        this.value(k, depth);
        this.value(x, depth);
      }
      return;
    }
    if (o instanceof Set) {
      this.tagU32(T_SET, o.size);
      for (const x of o) this.value(x, depth);
      return;
    }
    if (o instanceof Date) {
      if (this.pos + 9 > this.buf.length) this.grow(9);
      this.buf[this.pos] = T_DATE;
      this.dv.setFloat64(this.pos + 1, o.getTime(), true);
      this.pos += 9;
      return;
    }
    if (
      ArrayBuffer.isView(o) ||
      o instanceof ArrayBuffer ||
      o instanceof RegExp ||
      o instanceof Error ||
      o instanceof Number ||
      o instanceof String ||
      o instanceof Boolean ||
      o instanceof BigInt
    ) {
      const b = serialize(o);
      this.tagU32(T_V8, b.length);
      if (this.pos + b.length > this.buf.length) this.grow(b.length);
      b.copy(this.buf, this.pos);
      this.pos += b.length;
      return;
    }
    // a class instance: its own enumerable properties, as v8.serialize writes it
    this.plain(o as Record<string, unknown>, depth, false);
  }

  private plain(o: Record<string, unknown>, depth: number, isPlain: boolean): void {
    // same keys, same order as the last object: write the shape id only
    const last = this.lastKeys;
    let same = isPlain && this.lastShape >= 0;
    if (same) {
      let i = 0;
      for (const k in o) {
        if (i >= last.length || last[i] !== k) {
          same = false;
          break;
        }
        i++;
      }
      same = same && i === last.length;
    }
    let keys = last;
    if (same) this.tagU32(T_OBJ, this.lastShape);
    else {
      keys = Object.keys(o);
      const sig = keys.join("\u0000");
      const id = this.shapes.get(sig);
      if (id !== undefined) this.tagU32(T_OBJ, id);
      else {
        this.shapes.set(sig, this.shapes.size);
        this.tagU32(T_SHAPE, keys.length);
        for (const k of keys) this.str(k);
      }
      this.lastKeys = keys;
      this.lastShape = this.shapes.get(sig)!;
    }
    for (let i = 0; i < keys.length; i++) this.value(o[keys[i]], depth);
  }
}

/**
 * Writes `value` in the plain codec's format, or returns `null` when it is nested deeper than
 * {@link MAX_DEPTH} levels (a cycle): write it with `v8.serialize` then.
 * @param sizeHint - bytes to allocate first (the buffer doubles when full); default 64 KiB.
 * @throws Error `"... could not be cloned."` (as `v8.serialize`) for a function or a symbol.
 * @internal
 */
export function encodePlain(value: unknown, sizeHint = 1 << 16): Buffer | null {
  const w = new Writer(Math.max(64, sizeHint));
  try {
    w.value(value, 0);
  } catch (err) {
    if (err instanceof TooDeep) return null;
    if (err instanceof NotCloneable) throw new Error(err.message);
    throw err;
  }
  return w.buf.subarray(0, w.pos);
}

/** Reads one value; `value()` is public for the shape builders. */
class Reader {
  pos = 2;
  private readonly dv: DataView;
  private readonly shapes: Shape[] = [];

  constructor(private readonly buf: Buffer) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private u32(): number {
    const x = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }

  private str(): string {
    const n = this.u32();
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  value(): unknown {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case T_INT: {
        const x = this.dv.getInt32(this.pos, true);
        this.pos += 4;
        return x;
      }
      case T_F64: {
        const x = this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return x;
      }
      case T_OBJ:
        return this.obj(this.shapes[this.u32()]);
      case T_SHAPE: {
        const n = this.u32();
        const keys = new Array<string>(n);
        for (let i = 0; i < n; i++) keys[i] = this.str();
        const shape = shapeOf(keys);
        this.shapes.push(shape);
        return this.obj(shape);
      }
      case T_ARR: {
        const n = this.u32();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case T_STR:
        return this.str();
      case T_UNDEF:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_MAP: {
        const n = this.u32();
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case T_SET: {
        const n = this.u32();
        const s = new Set<unknown>();
        for (let i = 0; i < n; i++) s.add(this.value());
        return s;
      }
      case T_BIGINT:
        return BigInt(this.str());
      case T_DATE: {
        const x = this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return new Date(x);
      }
      case T_V8: {
        const n = this.u32();
        const v = deserialize(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n;
        return v;
      }
      default:
        throw new Error(`unknown tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  private obj(shape: Shape | undefined): Record<string, unknown> {
    if (shape === undefined) throw new Error(`unknown object shape at byte ${this.pos - 5}`);
    return shape.make(this);
  }
}

/** An object shape being read: its keys, and a function building such an object from the next values. */
interface Shape {
  readonly keys: string[];
  readonly make: (r: Reader) => Record<string, unknown>;
}

/** Builds objects of `keys` with an object literal (one hidden class, no per-key stores). */
function shapeOf(keys: string[]): Shape {
  if (keys.length > 64) {
    return {
      keys,
      make(r) {
        const o: Record<string, unknown> = {};
        for (const k of keys) {
          // an own "__proto__" property (JSON.parse makes them) stays a property
          if (k === "__proto__")
            Object.defineProperty(o, k, {
              value: r.value(),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          else o[k] = r.value();
        }
        return o;
      },
    };
  }
  // keys as string literals (JSON.stringify quotes and escapes them); a computed "__proto__"
  // key defines an own property where a literal one would set the prototype
  const fields = keys.map((k) => (k === "__proto__" ? `[${JSON.stringify(k)}]` : JSON.stringify(k)));
  const make = new Function(
    "r",
    `return { ${fields.map((f) => `${f}: r.value()`).join(", ")} };`,
  ) as Shape["make"];
  return { keys, make };
}

/**
 * Reads a value written by {@link encodePlain}.
 * @throws Error when `buf` is not in the plain codec's format, is cut short, or has bytes left over.
 * @internal
 */
export function decodePlain(buf: Buffer): unknown {
  if (buf.length < 3 || buf[0] !== PLAIN_MAGIC || buf[1] !== VERSION)
    throw new Error(`not a plain-codec value (first bytes ${buf[0]}, ${buf[1]})`);
  const r = new Reader(buf);
  const v = r.value();
  if (r.pos !== buf.length) throw new Error(`${buf.length - r.pos} bytes left after the value`);
  return v;
}
