import { deserialize, serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePart, encodePart } from "../../../src/states/checkpoints/codec.js";
import {
  decodePlain,
  encodePlain,
  MAX_DEPTH,
  PLAIN_MAGIC,
} from "../../../src/states/checkpoints/plain-codec.js";

const roundTrip = (v: unknown) => decodePlain(encodePlain(v)!);

describe("plain checkpoint codec", () => {
  it("round-trips what window and keyed state hold: [key, accumulator] pairs of one shape", () => {
    const states: [unknown, unknown][] = [];
    for (let i = 0; i < 1000; i++) states.push([i % 3 === 0 ? `k${i}` : i, { s: i * 1.5, n: i, mx: -i }]);
    const v = {
      kind: "window:tumbling",
      v: 1,
      processingTime: false,
      watermarks: [12, -Infinity],
      windows: { buckets: [{ start: 0, end: 10, fired: false, states }] },
    };
    const back = roundTrip(v);
    expect(back).toStrictEqual(v);
    // the shape is written once: far smaller than keys spelt out per object
    expect(encodePlain(v)!.length).toBeLessThan(1000 * 40);
  });

  it("keeps numbers exactly: -0, NaN, ±Infinity, int32 bounds, doubles", () => {
    const xs = [
      0,
      -0,
      1,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      2 ** 53 + 2,
      0.1,
      Number.NaN,
      Infinity,
      -Infinity,
      5e-324,
    ];
    const back = roundTrip(xs) as number[];
    expect(back.length).toBe(xs.length);
    for (let i = 0; i < xs.length; i++) expect(Object.is(back[i], xs[i])).toBe(true);
  });

  it("round-trips Map, Set, bigint, Date, undefined, null, booleans, strings of any length and script", () => {
    const long = "é✓😀".repeat(100);
    const v = {
      m: new Map<unknown, unknown>([
        ["a", 1],
        [2, { x: [1, 2] }],
      ]),
      s: new Set(["x", 3, null]),
      big: 2n ** 70n,
      neg: -(2n ** 64n),
      d: new Date(1_700_000_000_123),
      u: undefined,
      n: null,
      t: true,
      f: false,
      short: "héllo",
      ascii: "plain",
      long,
      empty: "",
      arr: [undefined, "x", [[]], {}],
    };
    expect(roundTrip(v)).toStrictEqual(v);
  });

  it("writes typed arrays, ArrayBuffer, RegExp through v8 inside the part", () => {
    const v = {
      u8: new Uint8Array([1, 2, 3]),
      f64: new Float64Array([0.5, -1]),
      re: /a+b/gi,
      ab: new Uint8Array([9]).buffer,
    };
    expect(roundTrip(v)).toStrictEqual(v);
  });

  it("keeps an own __proto__ property a property (never a prototype)", () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const back = roundTrip([v, v]) as Record<string, unknown>[];
    for (const b of back) {
      expect(Object.getPrototypeOf(b)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(b, "__proto__")?.value).toEqual({ polluted: true });
      expect(b.a).toBe(1);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("objects of alternating and repeated shapes, class instances as their own properties (as v8 writes them)", () => {
    class P {
      constructor(
        public x: number,
        public y: string,
      ) {}
      get sum() {
        return this.x;
      }
    }
    const v = [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      { a: 3, b: 4 },
      { a: 1 },
      { a: 5, b: 6 },
      new P(1, "q"),
      Object.assign(Object.create(null), { z: 1 }),
    ];
    expect(roundTrip(v)).toEqual(deserialize(serialize(v)));
    expect(roundTrip(v)).toStrictEqual([
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      { a: 3, b: 4 },
      { a: 1 },
      { a: 5, b: 6 },
      { x: 1, y: "q" },
      { z: 1 },
    ]);
  });

  it("a cycle: encodePlain gives up (null), encodePart writes the part with v8 and decodePart reads it", () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    expect(encodePlain(a)).toBeNull();
    const buf = encodePart("op", a);
    expect(buf[0]).not.toBe(PLAIN_MAGIC);
    const back = decodePart(buf) as Record<string, unknown>;
    expect(back.self).toBe(back);
    // deep but acyclic data below the limit stays in the plain codec
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH - 2; i++) deep = [deep];
    expect(encodePart("op", deep)[0]).toBe(PLAIN_MAGIC);
    expect(decodePart(encodePart("op", deep))).toStrictEqual(deep);
  });

  it("a function or a symbol is refused with a StateError naming the operator", () => {
    expect(() => encodePart('operator "calc"', { f: () => 1 })).toThrow(
      /operator "calc" cannot be serialized/,
    );
    expect(() => encodePart('operator "calc"', [Symbol("s")])).toThrow(
      /operator "calc" cannot be serialized/,
    );
  });

  it("reads parts written by v8.serialize (checkpoints of earlier versions)", () => {
    const v = { kind: "window", state: new Map([["k", { s: 1 }]]) };
    expect(decodePart(serialize(v))).toStrictEqual(v);
    expect(encodePart("op", v)[0]).toBe(PLAIN_MAGIC);
  });

  it("refuses bytes cut short or with trailing garbage", () => {
    const buf = encodePlain({ a: [1, 2, 3], s: "xyz" })!;
    expect(() => decodePlain(buf.subarray(0, buf.length - 2))).toThrow();
    expect(() => decodePlain(Buffer.concat([buf, Buffer.from([1])]))).toThrow(/bytes left/);
    expect(() => decodePlain(Buffer.from([0xff, 0x0f, 1]))).toThrow(/not a plain-codec value/);
  });

  it("property: decode(encode(x)) equals v8's round trip for any structured-clonable tree", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withMap: true,
          withSet: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withNullPrototype: true,
          withObjectString: false,
          withBoxedValues: false,
          withSparseArray: false,
        }),
        (v) => {
          expect(roundTrip(v)).toStrictEqual(deserialize(serialize(v)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
