import { describe, expect, it } from "vitest";
import { elasticsearchSink, elasticsearchSource } from "../../../src/connectors/elasticsearch/index.js";
import { ConfigError } from "../../../src/index.js";

describe("elasticsearch connector options", () => {
  const node = "http://127.0.0.1:9200";

  it("rejects unknown and wrong options when built, naming them", () => {
    expect(() => elasticsearchSink({ node, index: "i", flushbytes: 1 } as never)).toThrow(
      /did you mean "flushBytes"/,
    );
    expect(() => elasticsearchSink({ node, index: "i", flushBytes: 0 })).toThrow(
      /flushBytes must be an integer >= 1, got 0/,
    );
    expect(() => elasticsearchSink({ node, index: "i", id: "id" } as never)).toThrow(
      /\.id must be a function/,
    );
    expect(() => elasticsearchSink({ node, index: "" })).toThrow(ConfigError);
    expect(() => elasticsearchSource({ node, index: "i", cursor: "ts", pageSize: 20_000 })).toThrow(
      /pageSize must be an integer in \[1, 10000\]/,
    );
    expect(() => elasticsearchSource({ node, index: "i", cursor: "ts", emit: "doc" } as never)).toThrow(
      /emit must be one of 'source', 'hit'/,
    );
    expect(() => elasticsearchSource({ node, index: "i", cursor: "ts", tiebreaker: "id" } as never)).toThrow(
      /did you mean "tieBreaker"/,
    );
  });

  it("keys the stored cursor by index and cursor fields unless told otherwise", () => {
    expect(elasticsearchSource({ node, index: "logs", cursor: "@timestamp" }).offsetKey).toBe(
      "elasticsearch:logs:@timestamp",
    );
    expect(elasticsearchSource({ node, index: "logs", cursor: "ts", tieBreaker: "seq" }).offsetKey).toBe(
      "elasticsearch:logs:ts,seq",
    );
    expect(elasticsearchSource({ node, index: "logs", cursor: "ts", offsetKey: "job-1" }).offsetKey).toBe(
      "job-1",
    );
  });
});
