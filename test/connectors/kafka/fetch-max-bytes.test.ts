import { describe, expect, it } from "vitest";
import { defaultFetchMaxBytes } from "../../../src/connectors/kafka/source-options.js";

describe("kafkaSource: default fetch maxBytes", () => {
  it("is 256 bytes per buffered record, between 64 KiB and 10 MiB", () => {
    expect(defaultFetchMaxBytes(4096)).toBe(1024 * 1024); // default batchSize 1,024 -> 4 * 1,024 records
    expect(defaultFetchMaxBytes(1000)).toBe(256_000);
    expect(defaultFetchMaxBytes(1)).toBe(64 * 1024);
    expect(defaultFetchMaxBytes(200)).toBe(64 * 1024);
    expect(defaultFetchMaxBytes(1_000_000)).toBe(10 * 1024 * 1024);
  });
});
