import type { TestProject } from "vitest/node";
import { startElasticsearch } from "../../../scripts/services/elasticsearch.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the Elasticsearch the setup started; absent when excluded by MASS_TEST_SERVICES. */
    elasticsearchUrl: string | undefined;
  }
}

/**
 * Global setup: starts Elasticsearch (scripts/services/elasticsearch.ts; port from
 * `MASS_TEST_ES_PORT`), provides its URL as `inject("elasticsearchUrl")`, and always stops it
 * in the teardown. Skipped when `MASS_TEST_SERVICES` (a comma list) does not name `elasticsearch`.
 * With `MASS_TEST_ES_URL` set, that server is used as it is (neither started nor stopped): for a
 * quick edit-test loop against `scripts/services/elasticsearch.ts start`.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const wanted = process.env.MASS_TEST_SERVICES?.split(",").map((s) => s.trim());
  if (wanted !== undefined && !wanted.includes("elasticsearch")) {
    project.provide("elasticsearchUrl", undefined);
    return undefined;
  }
  const given = process.env.MASS_TEST_ES_URL;
  if (given !== undefined && given !== "") {
    project.provide("elasticsearchUrl", given);
    return undefined;
  }
  const es = await startElasticsearch({ log: (m) => process.stderr.write(`elasticsearch: ${m}\n`) });
  project.provide("elasticsearchUrl", es.url);
  return () => es.stop();
}
