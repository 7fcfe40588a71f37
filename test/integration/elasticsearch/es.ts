import { randomBytes } from "node:crypto";
import { Client } from "@elastic/elasticsearch";
import { inject } from "vitest";

/** The Elasticsearch URL the global setup provided. */
export function esUrl(): string {
  return inject("elasticsearchUrl");
}

/** A unique index name for one test. */
export function uniqueIndex(prefix: string): string {
  return `mass-${prefix}-${randomBytes(4).toString("hex")}`;
}

/** A client for the test's own setup and checks. */
export function adminClient(): Client {
  return new Client({ node: esUrl() });
}
