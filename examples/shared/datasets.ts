import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Path of a file shipped by the npm package `vega-datasets` (real public data sets:
 * flights, airports, weather...). The package exports only its index, so the data folder is
 * found beside it.
 */
export function datasetPath(file: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("vega-datasets")), "..", "data", file);
}
