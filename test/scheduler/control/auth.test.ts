import { timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  bearerToken,
  isLoopbackHost,
  randomToken,
  tokenMatches,
  websocketToken,
} from "../../../src/scheduler/control/auth.js";

describe("tokenMatches", () => {
  it("accepts the token and refuses any other, whatever its length", () => {
    const t = "s3cret-token-abcdef";
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches("s3cret-token-abcdeg", t)).toBe(false); // last byte differs
    expect(tokenMatches("x3cret-token-abcdef", t)).toBe(false); // first byte differs
    expect(tokenMatches("s3cret", t)).toBe(false); // a prefix
    expect(tokenMatches(`${t}x`, t)).toBe(false); // longer
    expect(tokenMatches("", t)).toBe(false);
    expect(tokenMatches("", "")).toBe(false); // an empty expected token never matches
  });

  it("always compares 32-byte digests with the constant-time compare (no early exit on length or content)", () => {
    const seen: [number, number][] = [];
    const spy = (a: Buffer, b: Buffer) => {
      seen.push([a.length, b.length]);
      return timingSafeEqual(a, b);
    };
    const expected = "the-expected-token";
    for (const given of ["", "t", "the-expected-token", "the-expected-tokem", "a".repeat(10_000)])
      tokenMatches(given, expected, spy);
    // called for every candidate, with equal-length buffers: a length check or a === first would skip it
    expect(seen).toEqual(Array.from({ length: 5 }, () => [32, 32]));
  });

  it("random tokens are 32 base64url characters and differ", () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomToken()).not.toBe(a);
  });
});

describe("bearer parsing", () => {
  it("reads Authorization: Bearer <token> (scheme case-insensitive) and nothing else", () => {
    expect(bearerToken("Bearer abc.def")).toBe("abc.def");
    expect(bearerToken("bearer   abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it("reads a WebSocket subprotocol bearer.<base64url(token)>", () => {
    const tok = "tök/+=";
    const proto = `mass, bearer.${Buffer.from(tok).toString("base64url")}`;
    expect(websocketToken(proto)).toBe(tok);
    expect(websocketToken("mass")).toBeUndefined();
    expect(websocketToken(undefined)).toBeUndefined();
  });
});

describe("isLoopbackHost", () => {
  it("is true for loopback addresses only", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.0.2.2", "10.0.0.1", "example.com", "128.0.0.1", "::2"])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
