/**
 * Vitest global setup: starts Elasticsearch (scripts/services/elasticsearch.ts; port from
 * `MASS_TEST_ES_PORT`, default 9200) unless `MASS_TEST_SERVICES` leaves `elasticsearch` out,
 * provides its URL as `inject("elasticsearchUrl")`, and always stops it in the teardown. With
 * `MASS_TEST_ES_URL` set, that server is used as it is (neither started nor stopped): for a
 * quick edit-test loop against `scripts/services/elasticsearch.ts start`.
 */
import type { TestProject } from "vitest/node";
import { startElasticsearch } from "../../../scripts/services/elasticsearch.js";
import { serviceEnabled } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the Elasticsearch of this run. */
    elasticsearchUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!serviceEnabled("elasticsearch")) return undefined;
  const given = process.env.MASS_TEST_ES_URL;
  if (given !== undefined && given !== "") {
    project.provide("elasticsearchUrl", given);
    return undefined;
  }
  const es = await startElasticsearch({ log: (m) => process.stderr.write(`elasticsearch: ${m}\n`) });
  project.provide("elasticsearchUrl", es.url);
  return () => es.stop();
}
