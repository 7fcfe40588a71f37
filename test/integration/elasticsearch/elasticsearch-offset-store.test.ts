import { afterAll, describe, expect, it } from "vitest";
import { ElasticsearchError, elasticsearchOffsetStore } from "../../../src/connectors/elasticsearch/index.js";
import { ConfigError } from "../../../src/index.js";
import { adminClient, esUrl, uniqueIndex } from "./es.js";

// The Elasticsearch offset store is where `elasticsearchSource` commits its cursor: a save that
// lands in the wrong document, or a load that reads the wrong one, makes a restarted job skip
// or repeat documents.

const admin = adminClient();
const indices: string[] = [];

function index(prefix: string): string {
  const i = uniqueIndex(prefix);
  indices.push(i);
  return i;
}

afterAll(async () => {
  for (const i of indices) await admin.indices.delete({ index: i, ignore_unavailable: true });
  await admin.close();
});

describe("elasticsearchOffsetStore", () => {
  it("keeps one document per key, the last value saved, in the index it names", async () => {
    const i = index("offsets");
    const store = elasticsearchOffsetStore(esUrl(), { index: i });
    try {
      // no index yet: nothing saved
      expect(await store.load("a")).toBeUndefined();
      const before = Date.now();
      await store.save("a", "1");
      await store.save("b", "x");
      await store.save("a", "2");
      expect(await store.load("a")).toBe("2");
      expect(await store.load("b")).toBe("x");
      expect(await store.load("c")).toBeUndefined();
      const doc = await admin.get<{ value: string; updatedAt: number }>({ index: i, id: "a" });
      expect(doc._source?.value).toBe("2");
      expect(doc._source?.updatedAt).toBeGreaterThanOrEqual(before);
      expect(doc._source?.updatedAt).toBeLessThanOrEqual(Date.now());
    } finally {
      await store.close();
    }
    const again = elasticsearchOffsetStore(esUrl(), { index: i });
    try {
      expect(await again.load("a")).toBe("2");
    } finally {
      await again.close();
    }
  });

  it("defaults to the index mass-offsets", async () => {
    const key = uniqueIndex("key");
    const store = elasticsearchOffsetStore(esUrl());
    try {
      await store.save(key, "42");
      const doc = await admin.get<{ value: string }>({ index: "mass-offsets", id: key });
      expect(doc._source?.value).toBe("42");
      await admin.delete({ index: "mass-offsets", id: key });
    } finally {
      await store.close();
    }
  });

  it("a closed index fails reads and saves with an ElasticsearchError naming the key and the index", async () => {
    const bad = index("offsets-closed");
    await admin.indices.create({ index: bad });
    await admin.indices.close({ index: bad });
    const store = elasticsearchOffsetStore(esUrl(), { index: bad });
    try {
      const read = await store.load("k").catch((e: unknown) => e);
      expect(read).toBeInstanceOf(ElasticsearchError);
      expect((read as ElasticsearchError).message).toContain(`cannot read offset "k" from index "${bad}"`);
      expect((read as ElasticsearchError).index).toBe(bad);
      const saved = await store.save("k", "v").catch((e: unknown) => e);
      expect(saved).toBeInstanceOf(ElasticsearchError);
      expect((saved as ElasticsearchError).message).toContain(`cannot save offset "k" to index "${bad}"`);
      expect((saved as ElasticsearchError).index).toBe(bad);
    } finally {
      await store.close();
    }
  });

  it("a document that holds no offset (foreign document, _source disabled) is an ElasticsearchError, not 'no offset'", async () => {
    const foreign = index("offsets-foreign");
    await admin.index({ index: foreign, id: "k", document: { offset: 12 }, refresh: true });
    const noSource = index("offsets-nosource");
    await admin.indices.create({ index: noSource, mappings: { _source: { enabled: false } } });
    await admin.index({ index: noSource, id: "k", document: { value: "7" }, refresh: true });
    for (const [i, detail] of [
      [foreign, "got undefined"],
      [noSource, "no _source"],
    ] as const) {
      const store = elasticsearchOffsetStore(esUrl(), { index: i });
      try {
        const err = await store.load("k").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ElasticsearchError);
        expect((err as ElasticsearchError).message).toContain(`offset document "k" in index "${i}"`);
        expect((err as ElasticsearchError).message).toContain(detail);
        expect((err as ElasticsearchError).index).toBe(i);
        expect((err as ElasticsearchError).id).toBe("k");
      } finally {
        await store.close();
      }
    }
  });

  it("a Client passed in is used and left open by close()", async () => {
    const i = index("offsets-client");
    const client = adminClient();
    try {
      const store = elasticsearchOffsetStore(client, { index: i });
      await store.save("k", "7");
      await store.close();
      const doc = await client.get<{ value: string }>({ index: i, id: "k" });
      expect(doc._source?.value).toBe("7");
    } finally {
      await client.close();
    }
  });

  it("close() closes the client the store opened itself: a read after it fails", async () => {
    const i = index("offsets-closed-client");
    const store = elasticsearchOffsetStore(esUrl(), { index: i });
    await store.save("k", "1");
    await store.close();
    await expect(store.load("k")).rejects.toThrow();
  });

  it("a connection that is no node URL is a ConfigError naming elasticsearchOffsetStore.node", async () => {
    const store = elasticsearchOffsetStore([] as unknown as string);
    const err = await store.load("k").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe("elasticsearchOffsetStore.node");
    expect((err as ConfigError).message).toMatch(/^elasticsearchOffsetStore\.node is required/);
  });
});
