import type { Client } from "@elastic/elasticsearch";
import { Client as EsClient } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElasticsearchError, elasticsearchSink } from "../../../src/connectors/elasticsearch/index.js";
import { ConfigError, ConnectorError, Env, type MemoryDeadLetters } from "../../../src/index.js";
import { adminClient, esUrl, uniqueIndex } from "./es.js";

let es: Client;
const indices: string[] = [];
function index(prefix: string): string {
  const name = uniqueIndex(prefix);
  indices.push(name);
  return name;
}

beforeAll(() => {
  es = adminClient();
});
afterAll(async () => {
  if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
  await es.close();
});

type Doc = { id: number; name: string; n: unknown };

async function docs(idx: string): Promise<Doc[]> {
  await es.indices.refresh({ index: idx });
  const r = await es.search<Doc>({ index: idx, size: 10_000, sort: [{ id: "asc" }] });
  return r.hits.hits.map((h) => h._source!);
}

describe("elasticsearchSink", () => {
  it("indexes every record with its id; a replay overwrites instead of duplicating; big batches split by bytes", async () => {
    const idx = index("sink");
    const make = (v: string) => Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `${v}${i}`, n: i }));
    for (const v of ["a", "b"]) {
      const env = new Env({ batchSize: 1000 });
      await env
        .from(make(v))
        .to(elasticsearchSink<Doc>({ node: esUrl(), index: idx, id: (d) => d.id, flushBytes: 32 * 1024 }));
    }
    expect(await docs(idx)).toEqual(make("b"));
  });

  it("routes per-document failures (400 mapping, 409 conflict) through the fault policy with the item's error; the rest is written", async () => {
    const idx = index("sink-bad");
    await es.indices.create({
      index: idx,
      mappings: {
        dynamic: "strict",
        properties: { id: { type: "integer" }, name: { type: "keyword" }, n: { type: "integer" } },
      },
    });
    await es.index({ index: idx, id: "7", document: { id: 7, name: "existing", n: 0 }, refresh: true });
    const input: Doc[] = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `d${i}`, n: i }));
    input[3] = { id: 3, name: "d3", n: "not a number" };
    (input[5] as Record<string, unknown>).extra = true;
    const env = new Env({ batchSize: 20, onError: "dead-letter" });
    await env
      .from(input)
      .to(elasticsearchSink<Doc>({ node: esUrl(), index: idx, id: (d) => d.id, action: "create" }), {
        name: "es",
      });
    const ids = (await docs(idx)).map((d) => d.id);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3 && i !== 5));
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    const byId = new Map(letters.map((l) => [(l.record as Doc).id, l.error as ElasticsearchError]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([3, 5, 7]);
    for (const e of byId.values()) {
      expect(e).toBeInstanceOf(ElasticsearchError);
      expect(e.index).toBe(idx);
      expect(e.message).toContain(idx);
    }
    expect(byId.get(3)!.status).toBe(400);
    expect(byId.get(3)!.type).toBe("document_parsing_exception");
    expect(byId.get(5)!.type).toBe("strict_dynamic_mapping_exception");
    expect(byId.get(7)!.status).toBe(409);
    expect(byId.get(7)!.type).toBe("version_conflict_engine_exception");
    expect(byId.get(7)!.id).toBe("7");
  });

  it("retries documents answered 429 with backoff until the index takes them", async () => {
    const idx = index("sink-429");
    await es.indices.create({ index: idx });
    // the flood-stage block answers writes with 429 TOO_MANY_REQUESTS
    await es.indices.putSettings({ index: idx, settings: { "index.blocks.read_only_allow_delete": true } });
    const client = new EsClient({ node: esUrl(), maxRetries: 0 });
    let refused = 0;
    client.diagnostic.on("response", (_err, result) => {
      const body = result?.body as { items?: { index?: { status: number } }[] } | undefined;
      const throttled =
        result?.statusCode === 429 || body?.items?.some((i) => i.index?.status === 429) === true;
      if (throttled && refused++ === 0) {
        // lift the block once the sink saw the first 429: its retry must then succeed
        void es.indices.putSettings({
          index: idx,
          settings: { "index.blocks.read_only_allow_delete": null },
        });
      }
    });
    const input = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `d${i}`, n: i }));
    const env = new Env({ batchSize: 100 });
    await env.from(input).to(
      elasticsearchSink<Doc>({
        node: client,
        index: idx,
        id: (d) => d.id,
        retryDelayMs: 50,
        maxAttempts: 30,
      }),
    );
    await client.close();
    expect(refused).toBeGreaterThan(0);
    expect(await docs(idx)).toEqual(input);
  });

  it("a cluster that is down gives a ConnectorError naming the node and what to check; bad options are ConfigErrors", async () => {
    const env = new Env();
    env.from([{ id: 1 }]).to(elasticsearchSink({ node: "http://127.0.0.1:1", index: "x" }));
    const err = ((await env.run().catch((e: unknown) => e)) as AggregateError).errors[0]
      .cause as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.message).toContain("http://127.0.0.1:1");
    expect(err.message).toContain("check that Elasticsearch is running");
    expect(err.retriable).toBe(true);
    expect(() => elasticsearchSink({ node: esUrl(), index: "x", flushbytes: 10 } as never)).toThrow(
      /did you mean "flushBytes"/,
    );
    expect(() => elasticsearchSink({ node: esUrl(), index: "x", action: "upsert" } as never)).toThrow(
      ConfigError,
    );
    expect(() => elasticsearchSink({ index: "x" } as never)).not.toThrow();
    const env2 = new Env();
    env2.from([{ id: 1 }]).to(elasticsearchSink({ index: "x" } as never));
    const e2 = ((await env2.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as Error;
    expect(e2).toBeInstanceOf(ConfigError);
  });
});
