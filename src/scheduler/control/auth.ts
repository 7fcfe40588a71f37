import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/**
 * Compares a presented bearer token with the expected one in constant time: both are hashed
 * with SHA-256 first, so the comparison always runs over 32 equal-length bytes and its duration
 * depends neither on where the first differing byte is nor on the presented token's length.
 * `compare` is `crypto.timingSafeEqual` (injectable for tests).
 * @returns whether the tokens are equal.
 */
export function tokenMatches(
  given: string,
  expected: string,
  compare: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  // `&&` after the constant-time compare: an empty expected token never matches
  return compare(a, b) && expected.length > 0;
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, as RFC 6750),
 * or `undefined` when the header is missing or uses another scheme.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m === null ? undefined : m[1];
}

/**
 * The token a WebSocket client offers in `Sec-WebSocket-Protocol` (browsers cannot set an
 * Authorization header on a WebSocket): a subprotocol `bearer.<base64url(token)>`, as the
 * Kubernetes API server accepts `base64url.bearer.authorization.k8s.io.<token>`.
 */
export function websocketToken(protocols: string | undefined): string | undefined {
  if (protocols === undefined) return undefined;
  for (const p of protocols.split(",")) {
    const s = p.trim();
    if (s.startsWith("bearer.")) return Buffer.from(s.slice("bearer.".length), "base64url").toString("utf8");
  }
  return undefined;
}

/**
 * Whether a listen address is loopback only: `localhost`, `127.0.0.0/8`, `::1` (and
 * `::ffff:127.x.x.x`). `0.0.0.0`, `::` and every other address are not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  const v = isIP(h);
  if (v === 4) return h.startsWith("127.");
  if (v === 6) return h === "::1" || /^::ffff:127\./.test(h) || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** A fresh random token (24 bytes, base64url: 32 characters). */
export function randomToken(): string {
  return randomBytes(24).toString("base64url");
}
