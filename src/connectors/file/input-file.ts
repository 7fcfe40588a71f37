import { stat } from "node:fs/promises";
import { ConfigError, ConnectorError } from "../../errors.js";

/**
 * Checks, before reading, that `path` is a regular file with content.
 * @throws ConnectorError naming the path when it is missing or unreadable, a directory, or an
 *   empty file (0 bytes): a file source given one of these has nothing it could read.
 * @internal
 */
export async function checkInputFile(connector: string, path: string): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    throw new ConnectorError(
      `${connector}: cannot open "${path}": ${(err as Error).message}. Check the path and permissions.`,
      { connector, file: path, cause: err },
    );
  }
  if (st.isDirectory()) {
    throw new ConnectorError(
      `${connector}: "${path}" is a directory, not a file: give the path of one ${connector} file`,
      { connector, file: path },
    );
  }
  if (st.size === 0) {
    throw new ConnectorError(
      `${connector}: "${path}" is empty (0 bytes): nothing to read; check that the file was written completely`,
      { connector, file: path },
    );
  }
}

/**
 * Checks a file connector's path argument when the graph is built.
 * @throws ConfigError when `path` is not a non-empty string.
 * @internal
 */
export function checkPath(where: string, path: unknown): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new ConfigError(
      `${where}: path must be a non-empty string, got ${JSON.stringify(path) ?? String(path)}`,
      {
        option: "path",
      },
    );
  }
  return path;
}
